// A top-level return ends the module before lambda exists: lpf prints nothing.
return;
function notLambda(input, callback) {
  callback(null, 1);
}
