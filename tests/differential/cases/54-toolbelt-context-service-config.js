const { Toolbelt } = require('lp-faas-toolbelt');
function lambda(input, callback) {
  Toolbelt.ContextServiceClient({ accountId: "123" });
  callback(null, "not reached");
}
