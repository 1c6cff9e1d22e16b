function lambda(input, callback) {
  const error = new Error("upstream refused the request");
  error.code = "E_UPSTREAM";
  error.status = 502;
  callback(error, { partial: true });
}
