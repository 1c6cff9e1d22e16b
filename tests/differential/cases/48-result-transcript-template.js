// input: {"timestamp": 1700000000000, "headers": [], "payload": {"csatRank": 2, "skillName": "CustomerCare", "agentName": "John Doe", "questionWithAnswers": []}}
function lambda(input, callback) {
  let allSurveyEmails = [];
  let csatRank = input.payload.csatRank > -1 ? input.payload.csatRank : null;
  if (csatRank && csatRank <= 3 && input.payload.skillName.match(/CustomerCare/i) !== null && input.payload.agentName.match(/John Doe/i) !== null) {
    allSurveyEmails.push({ targetEmail: "ReplaceMe@company.com", senderName: "Sender X", senderEmail: "ReplaceMe@company.com", subject: "Email Transcript Notification" });
  }
  callback(null, allSurveyEmails);
}
