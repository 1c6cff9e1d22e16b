function lambda(input, callback) {
  const deadline = Date.now() + 150;
  let polls = 0;
  const poll = () => {
    polls++;
    if (Date.now() >= deadline) callback(null, polls > 1);
    else setTimeout(poll, 20);
  };
  poll();
}
