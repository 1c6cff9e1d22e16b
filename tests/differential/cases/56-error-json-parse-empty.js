function lambda(input, callback) {
  callback(null, JSON.parse(""));
}
