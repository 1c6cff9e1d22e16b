// needs: node
function lambda(input, callback) {
  callback(null, [new Intl.NumberFormat("de-DE").format(1234567.891), (0.256).toLocaleString("en-US", { style: "percent" })]);
}
