function lambda(input, callback) {
  callback(null, notDeclaredAnywhere);
}
