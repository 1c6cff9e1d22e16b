// Messaging post-conversation survey function.
// The Post Survey Bot invokes it with {timestamp, headers, payload} and ignores the callback
// payload: calling back "ok" is enough.
module.exports = (data, cb) => {
  const payload = data.payload || {};
  console.info(
    `survey ${payload.surveyId} (revision ${payload.surveyRevision}) for conversation ` +
      `${payload.conversationId} on skill ${payload.skillId}, closed by ${payload.closeReason}`
  );

  // Put your own logic here, e.g. call an external system with the survey's context.

  cb(null, "ok");
};
