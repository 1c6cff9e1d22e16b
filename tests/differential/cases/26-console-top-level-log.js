console.log("the top level has Node's console");
function lambda(input, callback) {
  callback(null, "ok");
}
