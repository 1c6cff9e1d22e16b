function deeper(n) {
  return deeper(n + 1) + 1;
}
function lambda(input, callback) {
  callback(null, deeper(0));
}
