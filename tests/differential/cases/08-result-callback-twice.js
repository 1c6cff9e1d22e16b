function lambda(input, callback) {
  callback(null, 1);
  callback(null, 2);
}
