function lambda(input, callback) {
  throw null;
}
