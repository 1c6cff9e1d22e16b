const { Toolbelt } = require('lp-faas-toolbelt');
function lambda(input, callback) {
  Toolbelt.SecretClient().readSecret("nope").then((s) => callback(null, s), (err) => callback(err));
}
