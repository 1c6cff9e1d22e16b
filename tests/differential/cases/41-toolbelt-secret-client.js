// secrets: {"apiKey": "k-123"}
// The result names the secret without its value: the console masks secret values it records.
const { Toolbelt } = require('lp-faas-toolbelt');
function lambda(input, callback) {
  const secrets = Toolbelt.SecretClient();
  secrets.readSecret('apiKey').then((s) => callback(null, [s.key, s.value.length]), callback);
}
