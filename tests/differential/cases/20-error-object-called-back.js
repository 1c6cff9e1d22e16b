function lambda(input, callback) {
  callback({ code: 42, reason: "an object without a message" });
}
