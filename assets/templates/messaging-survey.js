// Messaging post-conversation survey (LivePerson Functions V1).
// The Post Survey Bot invokes lambda with {timestamp, headers, payload} and ignores the
// callback's result: calling back "ok" is enough.
function lambda(input, callback) {
  const payload = input.payload || {};
  console.info(
    `survey ${payload.surveyId} (revision ${payload.surveyRevision}) for conversation ` +
      `${payload.conversationId} on skill ${payload.skillId}, closed by ${payload.closeReason}`
  );

  // Put your own logic here, e.g. call an external system with the survey's context.

  callback(null, "ok");
}
