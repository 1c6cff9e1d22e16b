function lambda(input, callback) {
  callback(null, { when: new Date(0), list: [1, "two", null, undefined, { three: 3 }], skip: undefined, f() {} });
}
