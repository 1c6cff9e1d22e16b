function lambda(input, callback) {
  callback("a plain string instead of an Error");
}
