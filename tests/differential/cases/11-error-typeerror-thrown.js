// input: {"timestamp": 1, "headers": [], "payload": {}}
function lambda(input, callback) {
  input.payload.skillName.match(/CustomerCare/);
}
