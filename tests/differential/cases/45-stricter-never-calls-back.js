// Nothing is left to wait for: lpf prints nothing, the platform stops it at its time limit.
function lambda(input, callback) {
  const ignored = input.payload;
}
