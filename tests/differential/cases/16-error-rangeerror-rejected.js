async function lambda(input, callback) {
  await null;
  throw new RangeError("out of range");
}
