//! Telling which event a payload belongs to, and how sure that is.

use serde_json::Value;

use super::flat::{Flat, Kind};
use super::load::Payload;
use crate::catalog::{EVENTS, EventId, EventSpec, FieldSpec};

/// How the event of a payload was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    /// The event the payload is checked against.
    pub event: EventId,
    /// True when the user chose the event; false when it was detected.
    pub chosen_by_user: bool,
    /// Documented fields of that event present in the payload.
    pub present: usize,
    /// Documented fields of that event.
    pub documented: usize,
    /// Another event with exactly the same fields, when the payload cannot tell them apart.
    pub also_matches: Option<EventId>,
}

impl Detection {
    /// "Messaging Survey Ended (detected: 31 of 31 documented fields present)".
    pub fn describe(&self) -> String {
        let how = if self.chosen_by_user {
            "chosen"
        } else {
            "detected"
        };
        let mut text = format!(
            "{} ({how}: {} of {} documented fields present)",
            self.event.name(),
            self.present,
            self.documented
        );
        if let Some(other) = self.also_matches {
            text.push_str(&format!(
                "; {} has the same fields, choose the event to check against it",
                other.name()
            ));
        }
        text
    }
}

/// Counts the documented fields of `fields` present in the payload's rows (as
/// [`present_fields`] counts them in its document).
fn present_rows(flat: &Flat, fields: &[FieldSpec]) -> usize {
    let rows = flat.payload_rows.start as usize..flat.payload_rows.end as usize;
    fields
        .iter()
        .filter(|f| is_present_in_rows(flat, rows.clone(), f.path))
        .count()
}

/// True when the object whose keys are the rows `rows` has the field at `path`.
fn is_present_in_rows(flat: &Flat, rows: std::ops::Range<usize>, path: &str) -> bool {
    let (key, is_array, rest) = first_segment(path);
    let Some(child) = flat.children(rows).find(|&child| flat.key(child) == key) else {
        return false;
    };
    let Some(node) = flat.nodes.get(child) else {
        return false;
    };
    match (rest, is_array) {
        (None, _) => true,
        (Some(rest), true) => {
            node.kind == Kind::Array
                && flat.children(flat.below(child)).any(|item| {
                    flat.nodes.get(item).is_some_and(|n| n.kind == Kind::Object)
                        && is_present_in_rows(flat, flat.below(item), rest)
                })
        }
        (Some(rest), false) => {
            node.kind == Kind::Object && is_present_in_rows(flat, flat.below(child), rest)
        }
    }
}

/// The first segment of a documented path: its key, whether it is an array (`key[]`), and the
/// rest of the path after it.
fn first_segment(path: &str) -> (&str, bool, Option<&str>) {
    let (segment, rest) = match path.split_once('.') {
        Some((segment, rest)) => (segment, Some(rest)),
        None => (path, None),
    };
    match segment.strip_suffix("[]") {
        Some(key) => (key, true, rest),
        None => (segment, false, rest),
    }
}

/// Counts the documented fields of `fields` present in `body`.
pub fn present_fields(body: &Value, fields: &[FieldSpec]) -> usize {
    fields.iter().filter(|f| is_present(body, f.path)).count()
}

fn is_present(value: &Value, path: &str) -> bool {
    let (key, is_array, rest) = first_segment(path);
    let Some(child) = value.get(key) else {
        return false;
    };
    match (rest, is_array) {
        (None, _) => true,
        (Some(rest), true) => child
            .as_array()
            .is_some_and(|items| items.iter().any(|item| is_present(item, rest))),
        (Some(rest), false) => is_present(child, rest),
    }
}

/// An event of a catalog that a payload matches, and how well.
#[derive(Clone, Copy, Debug)]
pub struct EventMatch<'c> {
    /// The event's spec.
    pub spec: &'c EventSpec,
    /// Its documented fields present in the payload.
    pub present: usize,
    /// Its documented fields.
    pub documented: usize,
    /// Another event with exactly the same fields, when the payload cannot tell them apart.
    pub also_matches: Option<&'c EventSpec>,
}

/// The event of `candidates` whose documented fields the payload has the largest share of (the
/// first in order on a tie). Among events with the same fields, a file name holding one's
/// [`EventSpec::file_hint`] settles it; otherwise the first is chosen and the other reported.
/// `None` only when there is no candidate.
pub fn detect_among<'c>(payload: &Payload, candidates: &[&'c EventSpec]) -> Option<EventMatch<'c>> {
    let score = |spec: &EventSpec| (present_rows(&payload.flat, spec.fields), spec.fields.len());
    let mut best: Option<EventMatch<'c>> = None;
    for &spec in candidates {
        let (present, documented) = score(spec);
        // Compare shares: present / documented against best.present / best.documented.
        let better = best.is_none_or(|b| present * b.documented > b.present * documented);
        if better {
            best = Some(EventMatch {
                spec,
                present,
                documented,
                also_matches: None,
            });
        }
    }
    let best = best?;
    let peers: Vec<&'c EventSpec> = candidates
        .iter()
        .copied()
        .filter(|s| s.same_payload(best.spec))
        .collect();
    if peers.len() < 2 {
        return Some(best);
    }
    let name = payload.file_name().to_ascii_lowercase();
    if let Some(&hinted) = peers
        .iter()
        .find(|s| !s.file_hint.is_empty() && name.contains(s.file_hint))
    {
        return Some(EventMatch {
            spec: hinted,
            ..best
        });
    }
    let first = peers[0];
    Some(EventMatch {
        spec: first,
        also_matches: peers.iter().copied().find(|s| s.key != first.key),
        ..best
    })
}

/// Chooses the event: the user's choice, or the catalog's event detected by [`detect_among`].
pub fn detect(payload: &Payload, chosen: Option<EventId>) -> Detection {
    if let Some(event) = chosen {
        let fields = event.spec().fields;
        return Detection {
            event,
            chosen_by_user: true,
            present: present_rows(&payload.flat, fields),
            documented: fields.len(),
            also_matches: None,
        };
    }
    let catalog: Vec<&'static EventSpec> = EVENTS.iter().collect();
    let found = detect_among(payload, &catalog);
    let event = found
        .and_then(|m| EventId::of_spec(m.spec))
        .unwrap_or(EventId::ALL[0]);
    Detection {
        event,
        chosen_by_user: false,
        present: found.map_or(0, |m| m.present),
        documented: found.map_or(0, |m| m.documented),
        also_matches: found
            .and_then(|m| m.also_matches)
            .and_then(EventId::of_spec),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::samples::sample;
    use crate::payload::parse_bytes;

    fn detect_sample(name: &str) -> Detection {
        let s = sample(name).unwrap();
        detect(&parse_bytes(s.contents.as_bytes(), name).unwrap(), None)
    }

    #[test]
    fn events_are_detected_with_how_sure() {
        let d = detect_sample("transcript-csat-2.json");
        assert_eq!(d.event, EventId::ChatPostSurveyEmailTranscript);
        assert_eq!((d.present, d.documented), (6, 6));

        let d = detect_sample("messaging-survey-ended.envelope.json");
        assert_eq!(d.event, EventId::MessagingSurveyEnded);
        assert_eq!(d.also_matches, None);
        assert!(d.describe().contains("31 of 31 documented fields present"));

        let d = detect_sample("invalid-messaging-missing-fields.json");
        assert_eq!((d.present, d.documented), (26, 31));
        assert_eq!(d.also_matches, Some(EventId::MessagingSurveyEnded));
        assert!(d.describe().contains("same fields"));

        let d = detect_sample("invalid-transcript-missing-fields.json");
        assert_eq!(d.event, EventId::ChatPostSurveyEmailTranscript);
        assert_eq!(d.present, 1);
    }

    #[test]
    fn rows_and_documents_count_the_same_fields() {
        for s in crate::catalog::samples::SAMPLES {
            let Ok(payload) = parse_bytes(s.contents.as_bytes(), s.file_name) else {
                continue;
            };
            for event in EventId::ALL {
                let fields = event.spec().fields;
                assert_eq!(
                    present_rows(&payload.flat, fields),
                    present_fields(payload.body(), fields),
                    "{} {event:?}",
                    s.file_name
                );
            }
        }
    }
}
