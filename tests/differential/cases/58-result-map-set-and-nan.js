function lambda(input, callback) {
  callback(null, { map: new Map([[1, 2]]), set: new Set([1]), nan: NaN, inf: -Infinity, neg: -0 });
}
