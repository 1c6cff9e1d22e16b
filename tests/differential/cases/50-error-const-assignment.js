function lambda(input, callback) {
  const answer = 1;
  answer = 2;
  callback(null, answer);
}
