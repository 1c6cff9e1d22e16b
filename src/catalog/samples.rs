//! The sample payloads bundled into the binary, so the picker works wherever the console runs.
//! The files live in `sample-payloads/`; its README says what each one shows.

use super::EventId;

/// A bundled sample payload file.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// File name in `sample-payloads/`.
    pub file_name: &'static str,
    /// The event it is a payload of (`None` for files that cannot be parsed).
    pub event: Option<EventId>,
    /// What the sample shows.
    pub description: &'static str,
    /// The file's bytes.
    pub contents: &'static str,
}

impl Sample {
    /// True for the samples that are meant to show findings or errors.
    pub fn is_invalid(&self) -> bool {
        self.file_name.starts_with("invalid-")
    }
}

macro_rules! sample {
    ($file:literal, $event:expr, $description:literal) => {
        Sample {
            file_name: $file,
            event: $event,
            description: $description,
            contents: include_str!(concat!("../../sample-payloads/", $file)),
        }
    };
}

/// Every bundled sample, grouped by event.
pub static SAMPLES: &[Sample] = &[
    sample!(
        "messaging-survey-started.envelope.json",
        Some(EventId::MessagingSurveyStarted),
        "The documented Messaging Survey Started example, as an invocation envelope."
    ),
    sample!(
        "messaging-survey-ended.envelope.json",
        Some(EventId::MessagingSurveyEnded),
        "The documented example for Messaging Survey Ended (dialog state CLOSE)."
    ),
    sample!(
        "messaging-survey.bare.json",
        Some(EventId::MessagingSurveyStarted),
        "The documented messaging payload without the envelope."
    ),
    sample!(
        "messaging-survey-unknown-fields.json",
        Some(EventId::MessagingSurveyStarted),
        "Two fields the documents do not list (info findings)."
    ),
    sample!(
        "invalid-messaging-missing-fields.json",
        Some(EventId::MessagingSurveyStarted),
        "Four documented fields missing (warnings)."
    ),
    sample!(
        "invalid-messaging-wrong-types.json",
        Some(EventId::MessagingSurveyStarted),
        "Wrong types: surveyId as text, firstConversation as text, a null, participants as an object (errors)."
    ),
    sample!(
        "transcript.envelope.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "The documented Chat Post Survey example: csatRank 3, CustomerCare, John Doe."
    ),
    sample!(
        "transcript.bare.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "The documented transcript payload without the envelope."
    ),
    sample!(
        "transcript-csat-1.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "csatRank 1, matching skill and agent: the template sends one e-mail."
    ),
    sample!(
        "transcript-csat-2.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "csatRank 2, matching skill and agent: one e-mail."
    ),
    sample!(
        "transcript-csat-3.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "csatRank 3, matching skill and agent: one e-mail."
    ),
    sample!(
        "transcript-csat-4.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "csatRank 4, matching skill and agent: no e-mail."
    ),
    sample!(
        "transcript-csat-5.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "csatRank 5, matching skill and agent: no e-mail."
    ),
    sample!(
        "transcript-csat-unanswered.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "csatRank -1 (the CSAT question was not answered): no e-mail."
    ),
    sample!(
        "transcript-skill-mismatch.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "csatRank 2 on skill Sales: the template's skill rule fails, no e-mail."
    ),
    sample!(
        "transcript-agent-mismatch.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "csatRank 2 with agent Jane Roe: the template's agent rule fails, no e-mail."
    ),
    sample!(
        "transcript-multi-select.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "csatRank 1 with a multi-select answer joined by ';': one e-mail."
    ),
    sample!(
        "invalid-transcript-wrong-types.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "csatRank as text, skillName as a number, an answer as an array (errors)."
    ),
    sample!(
        "invalid-transcript-csat-out-of-range.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "csatRank 7, outside 1-5 and -1 (error)."
    ),
    sample!(
        "invalid-transcript-missing-fields.json",
        Some(EventId::ChatPostSurveyEmailTranscript),
        "Only csatRank: skillName, agentName and questionWithAnswers missing (warnings)."
    ),
    sample!(
        "invalid-malformed.json",
        None,
        "Malformed JSON: a missing comma on line 7 (cannot be parsed)."
    ),
    sample!(
        "invalid-not-an-object.json",
        None,
        "A JSON array instead of an object (cannot be used as a payload)."
    ),
];

/// The bundled samples of one event: its own, then those of events with the same payload
/// fields (a Messaging Survey Ended payload is a Messaging Survey Started payload too).
pub fn samples_for(event: EventId) -> impl Iterator<Item = &'static Sample> {
    let own = SAMPLES.iter().filter(move |s| s.event == Some(event));
    let shared = SAMPLES.iter().filter(move |s| {
        s.event
            .is_some_and(|e| e != event && e.spec().same_payload(event.spec()))
    });
    own.chain(shared)
}

/// The bundled sample with this file name.
pub fn sample(file_name: &str) -> Option<&'static Sample> {
    SAMPLES.iter().find(|s| s.file_name == file_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_the_folder_is_bundled() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-payloads");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json") && !n.ends_with(".expect.json"))
            .collect();
        on_disk.sort();
        let mut bundled: Vec<String> = SAMPLES.iter().map(|s| s.file_name.to_owned()).collect();
        bundled.sort();
        assert_eq!(on_disk, bundled);
    }

    #[test]
    fn samples_for_an_event_include_the_shared_messaging_payloads() {
        let ended: Vec<_> = samples_for(EventId::MessagingSurveyEnded)
            .map(|s| s.file_name)
            .collect();
        assert!(ended.contains(&"messaging-survey-ended.envelope.json"));
        assert!(ended.contains(&"messaging-survey.bare.json"));
        assert!(!ended.iter().any(|f| f.starts_with("transcript")));
        // The event's own samples come first.
        assert_eq!(ended[0], "messaging-survey-ended.envelope.json");
        let transcript: Vec<_> = samples_for(EventId::ChatPostSurveyEmailTranscript).collect();
        assert!(
            transcript
                .iter()
                .all(|s| s.event == Some(EventId::ChatPostSurveyEmailTranscript))
        );
        assert!(sample("transcript-csat-4.json").is_some());
    }
}
