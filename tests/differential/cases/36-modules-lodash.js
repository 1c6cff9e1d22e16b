const _ = require('lodash');
function lambda(input, callback) {
  callback(null, [_.get(input, "payload.a.b", "fallback"), _.chunk([1, 2, 3, 4, 5], 2), _.uniq([1, 1, 2]), _.VERSION]);
}
