// Messaging post-conversation survey (LivePerson Functions V2).
// The Post Survey Bot invokes lambda with {timestamp, headers, payload} and ignores the
// result: returning "ok" is enough.
async function lambda(input) {
  const payload = input.payload || {};
  console.info(
    `survey ${payload.surveyId} (revision ${payload.surveyRevision}) for conversation ` +
      `${payload.conversationId} on skill ${payload.skillId}, closed by ${payload.closeReason}`
  );

  // Put your own logic here, e.g. fetch() an allow-listed system with the survey's context.

  return "ok";
}
