function lambda(input, callback) {
  input.payload.missing.field = 1;
  callback(null, "not reached");
}
