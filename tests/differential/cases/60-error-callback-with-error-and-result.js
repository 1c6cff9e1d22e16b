function lambda(input, callback) {
  callback(new TypeError("bad input type"), ["ignored result"]);
}
