function lambda(input, callback) {
  const start = Date.now();
  setTimeout(() => callback(null, Date.now() - start >= 100), 100);
}
