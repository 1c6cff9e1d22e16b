// secrets: {"apiKey": "k-123"}
const { Toolbelt } = require('lp-faas-toolbelt');
function lambda(input, callback) {
  const secrets = Toolbelt.SecretClient();
  secrets.readSecret("apiKey").then((s) => callback(null, s.value), callback);
}
