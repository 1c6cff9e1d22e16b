// lpf prints nothing when the top level throws; the console reports the error.
throw new Error("configuration missing");
function lambda(input, callback) {
  callback(null, "never");
}
