//! Lookup tables derived once from the catalog: which normalized paths are documented, which are
//! the objects that hold documented fields, and which documented objects are free-form.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::catalog::{EventId, FieldSpec, FieldType};

/// The derived lookup tables of one event's fields.
#[derive(Debug, Default)]
pub struct Schema {
    /// Documented fields by normalized path.
    pub documented: HashMap<&'static str, &'static FieldSpec>,
    /// For each normalized path of an object that holds documented fields (`""` for the
    /// payload itself), the keys it should contain, in document order.
    pub children: HashMap<String, Vec<String>>,
    /// Documented OBJECT / OBJECT-ARRAY fields with no documented descendants: whatever they
    /// hold is free-form and not reported as unknown.
    pub free_form: HashSet<&'static str>,
}

impl Schema {
    /// The cached schema of an event.
    pub fn of(event: EventId) -> &'static Schema {
        static MESSAGING: OnceLock<Schema> = OnceLock::new();
        static TRANSCRIPT: OnceLock<Schema> = OnceLock::new();
        let cell = if event.is_transcript() {
            &TRANSCRIPT
        } else {
            &MESSAGING
        };
        cell.get_or_init(|| Schema::build(event.spec().fields))
    }

    fn build(fields: &'static [FieldSpec]) -> Schema {
        let mut schema = Schema::default();
        for field in fields {
            schema.documented.insert(field.path, field);
            // Walk the path's segments, recording each object's expected child keys.
            let mut parent = String::new();
            for segment in field.path.split('.') {
                let (key, is_array) = match segment.strip_suffix("[]") {
                    Some(key) => (key, true),
                    None => (segment, false),
                };
                let keys = schema.children.entry(parent.clone()).or_default();
                if !keys.iter().any(|k| k == key) {
                    keys.push(key.to_owned());
                }
                if !parent.is_empty() {
                    parent.push('.');
                }
                parent.push_str(key);
                if is_array {
                    parent.push_str("[]");
                }
            }
        }
        for field in fields {
            let container = matches!(field.ty, FieldType::Object | FieldType::ObjectArray);
            let has_descendants = fields.iter().any(|other| {
                other.path.len() > field.path.len()
                    && other.path.starts_with(field.path)
                    && matches!(other.path.as_bytes()[field.path.len()], b'.' | b'[')
            });
            if container && !has_descendants {
                schema.free_form.insert(field.path);
            }
        }
        schema
    }

    /// True when `normalized` is an object that holds documented fields.
    pub fn is_container(&self, normalized: &str) -> bool {
        self.children.contains_key(normalized)
    }

    /// The documented fields at or below `normalized` (for "missing" findings).
    pub fn fields_under<'a>(
        &'a self,
        fields: &'static [FieldSpec],
        normalized: &'a str,
    ) -> impl Iterator<Item = &'static FieldSpec> + 'a {
        fields.iter().filter(move |f| {
            f.path == normalized
                || (f.path.len() > normalized.len()
                    && f.path.starts_with(normalized)
                    && matches!(f.path.as_bytes()[normalized.len()], b'.' | b'['))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_and_free_form_objects_come_from_the_paths() {
        let messaging = Schema::of(EventId::MessagingSurveyEnded);
        let root = &messaging.children[""];
        assert!(root.contains(&"lastContentEventNotification".to_owned()));
        assert!(root.contains(&"ttr".to_owned()));
        assert_eq!(
            messaging.children["lastContentEventNotification.event"],
            vec!["contentType", "message", "type"]
        );
        assert!(messaging.free_form.contains("context.clientProperties"));
        assert!(messaging.free_form.contains("dialogs"));
        let transcript = Schema::of(EventId::ChatPostSurveyEmailTranscript);
        assert_eq!(
            transcript.children["questionWithAnswers[]"],
            vec!["question", "answer"]
        );
        // questionWithAnswers has documented item fields, so its items are checked.
        assert!(!transcript.free_form.contains("questionWithAnswers"));
    }
}
