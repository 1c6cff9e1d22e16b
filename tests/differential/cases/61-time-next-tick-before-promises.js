// needs: node
// process.nextTick runs before promise jobs in Node; the embedded engine queues it after them.
function lambda(input, callback) {
  const order = [];
  Promise.resolve().then(() => order.push("promise"));
  process.nextTick(() => order.push("tick"));
  setTimeout(() => callback(null, order), 1);
}
