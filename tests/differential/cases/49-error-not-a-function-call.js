function lambda(input, callback) {
  const helpers = {};
  callback(null, helpers.format(input));
}
