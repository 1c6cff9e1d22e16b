function lambda(input, callback) {
  callback(null, "first answer");
  throw new Error("after the answer");
}
