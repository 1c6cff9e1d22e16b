// input: {"timestamp": 1, "headers": [], "payload": {"csatRank": 2, "skillName": "CustomerCare"}}
function lambda(input, callback) {
  callback(null, { skill: input.payload.skillName, rank: input.payload.csatRank });
}
