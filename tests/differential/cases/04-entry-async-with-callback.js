async function lambda(input, callback) {
  const value = await Promise.resolve(41);
  callback(null, value + 1);
}
