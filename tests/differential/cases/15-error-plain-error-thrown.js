function lambda(input, callback) {
  throw new Error("something went wrong");
}
