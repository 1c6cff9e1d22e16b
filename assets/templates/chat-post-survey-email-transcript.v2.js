// Chat Post Survey E-mail Transcript (LivePerson Functions V2).
// The chat server invokes lambda with {timestamp, headers, payload: {csatRank, skillName,
// agentName, questionWithAnswers}} and sends one transcript e-mail per entry of the list it
// returns; an empty list sends none. A thrown error sends no e-mail.
async function lambda(input) {
  const allSurveyEmails = [];

  // csatRank value range: 1-5, 1=very dissatisfied, 5=very satisfied
  const csatRank = input.payload.csatRank > -1 ? input.payload.csatRank : null;
  const skillName = input.payload.skillName;
  const agentName = input.payload.agentName;

  if (csatRank && csatRank <= 3 && skillName.match(/CustomerCare/i) !== null && agentName.match(/John Doe/i) !== null) {
    allSurveyEmails.push({
      targetEmail: "ReplaceMe@company.com",
      senderName: "Sender X",
      senderEmail: "ReplaceMe@company.com",
      subject: "Email Transcript Notification",
    });
  }

  return allSurveyEmails;
}
