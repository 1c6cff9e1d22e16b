function lambda(input, callback) {
  callback(new Error());
}
