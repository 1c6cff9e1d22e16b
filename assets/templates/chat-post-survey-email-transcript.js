// Chat Post Survey E-mail Transcript (LivePerson Functions V1).
// The chat server invokes lambda with {timestamp, headers, payload: {csatRank, skillName,
// agentName, questionWithAnswers}} and sends one transcript e-mail per entry of the list the
// callback returns; an empty list sends none. On an error no e-mail is sent.
function lambda(input, callback) {
  let allSurveyEmails = [];

  //csatRank value range: 1-5, 1=very dissatisfied, 5=very satisified
  let csatRank = input.payload.csatRank > -1 ? input.payload.csatRank : null;
  let skillName = input.payload.skillName;
  let agentName = input.payload.agentName;
  let questionsAndAnswers = input.payload.questionWithAnswers;

  if (csatRank && csatRank <= 3 && skillName.match(/CustomerCare/i) !== null && agentName.match(/John Doe/i) !== null) {
    let surveyEmail = {};
    surveyEmail.targetEmail = "ReplaceMe@company.com";
    surveyEmail.senderName = "Sender X";
    surveyEmail.senderEmail = "ReplaceMe@company.com";
    surveyEmail.subject = "Email Transcript Notification";
    allSurveyEmails.push(surveyEmail);
  }

  //return result
  callback(null, allSurveyEmails);
}
