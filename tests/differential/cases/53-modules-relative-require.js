function lambda(input, callback) {
  const helper = require('./helper');
  callback(null, helper());
}
