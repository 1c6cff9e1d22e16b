// needs: node
const jwt = require('jsonwebtoken');
function lambda(input, callback) {
  const token = jwt.sign({ sub: "survey", iat: 1700000000 }, "secret", { algorithm: "HS256" });
  callback(null, [token, jwt.verify(token, "secret").sub]);
}
