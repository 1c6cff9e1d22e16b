function lambda(input, callback) {
  callback(null, JSON.parse("{not json"));
}
