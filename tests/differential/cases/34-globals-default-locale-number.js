function lambda(input, callback) {
  callback(null, [(1234567.891).toLocaleString(), (12).toLocaleString()]);
}
