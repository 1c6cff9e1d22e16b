class HttpError extends Error {
  constructor(status) {
    super(`request failed with ${status}`);
    this.status = status;
  }
}
function lambda(input, callback) {
  callback(new HttpError(503));
}
