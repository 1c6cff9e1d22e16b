class ValidationError extends TypeError {}
function lambda(input, callback) {
  callback(new ValidationError("a subclass is not a TypeError by constructor"));
}
