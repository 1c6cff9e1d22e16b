function lambda(input, callback) {
  const pad = require('left-pad');
  callback(null, pad("1", 3, "0"));
}
