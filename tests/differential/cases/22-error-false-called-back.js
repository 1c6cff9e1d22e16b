function lambda(input, callback) {
  callback(false, "ignored");
}
