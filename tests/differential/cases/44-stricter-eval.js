// stricter: the platform's editor refuses eval on save; lpf runs it
function lambda(input, callback) {
  callback(null, eval("1 + 1"));
}
