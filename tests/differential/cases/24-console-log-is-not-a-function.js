function lambda(input, callback) {
  console.log("the platform's logger has no log method");
  callback(null, "not reached");
}
