// lpf crashes and prints nothing; the console reports the timer's error.
function lambda(input, callback) {
  setTimeout(() => input.payload.missing.field, 5);
}
