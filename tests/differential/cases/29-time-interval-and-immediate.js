function lambda(input, callback) {
  const seen = [];
  setImmediate(() => seen.push("immediate"));
  let n = 0;
  const t = setInterval(() => {
    seen.push("tick" + ++n);
    if (n === 3) {
      clearInterval(t);
      callback(null, seen);
    }
  }, 10);
}
