function lambda(input, callback) {
  console.debug("debug");
  console.info("info", { with: "object" });
  console.warn("warn", 2);
  console.error("error");
  callback(null, "logged");
}
