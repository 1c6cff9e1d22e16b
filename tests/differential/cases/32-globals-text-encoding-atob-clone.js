function lambda(input, callback) {
  const bytes = new TextEncoder().encode("€uro");
  const text = new TextDecoder().decode(bytes);
  const clone = structuredClone({ a: [1, { b: 2 }], d: new Date(86400000) });
  callback(null, [Array.from(bytes), text, btoa("survey"), atob("c3VydmV5"), clone.a, clone.d.toISOString()]);
}
