function lambda(input, callback) {
  callback(new TypeError("a type error passed to the callback"));
}
