function lambda(input, callback) {
  const order = [];
  process.nextTick(() => order.push("tick"));
  Promise.resolve().then(() => order.push("promise"));
  setTimeout((a, b) => callback(null, order.concat([a, b])), 1, "first", "second");
}
