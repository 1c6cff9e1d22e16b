module.exports = (data, cb) => {
  cb(null, "ok");
};
