// allow: ["api.example.com"]
const { Toolbelt } = require('lp-faas-toolbelt');
function lambda(input, callback) {
  const http = Toolbelt.HTTPClient();
  http("https://not-on-the-list.example.org/").then((r) => callback(null, r), callback);
}
