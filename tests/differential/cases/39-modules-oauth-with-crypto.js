const OAuth = require('oauth-1.0a');
const crypto = require('crypto');
function lambda(input, callback) {
  const oauth = OAuth({
    consumer: { key: "key", secret: "secret" },
    signature_method: "HMAC-SHA1",
    hash_function(base, key) {
      return crypto.createHmac("sha1", key).update(base).digest("base64");
    },
  });
  const data = oauth.authorize({ url: "https://api.example.com/x", method: "POST" });
  callback(null, [typeof data.oauth_signature, data.oauth_signature_method, data.oauth_consumer_key]);
}
