// env: {"REGION": "emea", "RETRIES": "3"}
function lambda(input, callback) {
  callback(null, [process.env.REGION, Number(process.env.RETRIES) + 1]);
}
