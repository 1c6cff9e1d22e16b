//! Validating a flattened payload against an event: one pass over its rows that skips
//! free-form content, so checking against another event never re-reads the JSON.

use std::ops::Range;

use super::detect::detect;
use super::flat::{Flat, Kind};
use super::load::Payload;
use super::rows::{Finding, Inspection, Severity, kind_matches, kind_type_name, node_value};
use super::schema::Schema;
use crate::catalog::{ENVELOPE_FIELDS, EventId, EventSpec, FieldSpec, FieldType};

/// Flattens and validates a payload. With `event` given the payload is checked against it;
/// otherwise the event is detected from the fields.
pub fn inspect(payload: &Payload, event: Option<EventId>) -> Inspection {
    let detection = detect(payload, event);
    let checker = check(payload, detection.event.spec());
    Inspection {
        detection,
        is_envelope: payload.flat.is_envelope,
        findings: checker.findings,
        flat: payload.flat.clone(),
        docs: checker.docs,
        row_findings: checker.row_findings,
    }
}

/// The findings of a payload checked against any event's spec, the catalog's or another (what
/// [`inspect`] finds for a catalog event).
pub fn findings_for(payload: &Payload, spec: &'static EventSpec) -> Vec<Finding> {
    check(payload, spec).findings
}

/// Runs the checks of `spec` over the payload's rows.
fn check<'a>(payload: &'a Payload, spec: &'static EventSpec) -> Checker<'a> {
    let flat = &payload.flat;
    let mut checker = Checker {
        flat,
        fields: spec.fields,
        event_name: spec.name,
        schema: Schema::of_spec(spec),
        findings: Vec::new(),
        docs: Vec::new(),
        row_findings: Vec::new(),
    };
    let payload_rows = flat.payload_rows.start as usize..flat.payload_rows.end as usize;
    if flat.is_envelope {
        checker.envelope(payload_rows);
    } else {
        checker.object_children(payload_rows, "", 0);
    }
    checker
}

struct Checker<'a> {
    flat: &'a Flat,
    fields: &'static [FieldSpec],
    event_name: &'static str,
    schema: &'static Schema,
    findings: Vec<Finding>,
    docs: Vec<(u32, &'static FieldSpec)>,
    row_findings: Vec<(u32, Range<u32>)>,
}

impl Checker<'_> {
    fn envelope(&mut self, payload_rows: Range<usize>) {
        let flat = self.flat;
        let top: Vec<usize> = flat
            .children(0..flat.nodes.len())
            .filter(|&i| !payload_rows.contains(&i))
            .collect();
        for spec in ENVELOPE_FIELDS {
            if spec.path != "payload" && !top.iter().any(|&i| flat.path(i) == spec.path) {
                self.finding(
                    Severity::Warning,
                    spec.path.to_owned(),
                    format!("the envelope has no {} ({})", spec.path, spec.description),
                );
            }
        }
        let mut payload_done = false;
        for row in top {
            if !payload_done && row >= payload_rows.end {
                self.object_children(payload_rows.clone(), "", 0);
                payload_done = true;
            }
            self.envelope_row(row);
        }
        if !payload_done {
            self.object_children(payload_rows, "", 0);
        }
    }

    fn envelope_row(&mut self, row: usize) {
        let Some(node) = self.flat.nodes.get(row) else {
            return;
        };
        let key = self.flat.path(row);
        let start = self.open();
        let ok = match key.as_str() {
            "timestamp" => node.kind == Kind::Number,
            "headers" => matches!(node.kind, Kind::Array | Kind::Object),
            _ => {
                self.finding(
                    Severity::Info,
                    key.to_owned(),
                    "not part of the invocation envelope {timestamp, headers, payload}".to_owned(),
                );
                true
            }
        };
        if !ok {
            let expected = if key == "timestamp" {
                "NUMBER (milliseconds since the epoch)"
            } else {
                "an array or object"
            };
            self.finding(
                Severity::Error,
                key.to_owned(),
                format!("expected {expected}, found {}", kind_type_name(node)),
            );
        }
        self.close(row, start);
    }

    /// Checks the keys (the rows in `rows`) of a documented object: its path is `path`, its
    /// schema node `node`.
    fn object_children(&mut self, rows: Range<usize>, path: &str, node: u32) {
        self.report_missing(rows.clone(), path, node);
        let flat = self.flat;
        for child in flat.children(rows) {
            let key = flat.key(child);
            let child_node = self.schema.child(node, &key, path.is_empty());
            self.field(child, child_node);
        }
    }

    /// Checks one field of a documented object: its row, then what it holds.
    fn field(&mut self, row: usize, node: Option<u32>) {
        let flat = self.flat;
        let Some(value) = flat.nodes.get(row) else {
            return;
        };
        let schema_node = node.and_then(|id| self.schema.nodes.get(id as usize));
        let start = self.open();
        let mut below = None;
        match schema_node {
            Some(s) if s.doc.is_some() => {
                if let Some(spec) = s.doc {
                    self.docs.push((row as u32, spec));
                    self.check_documented(spec, row, s.items.is_some());
                    if !s.free_form {
                        below = node;
                    }
                }
            }
            Some(s) if s.container => {
                if value.kind == Kind::Object {
                    below = node;
                } else {
                    let holds: Vec<_> = self
                        .schema
                        .fields_under(self.fields, &s.normalized)
                        .map(|f| f.path)
                        .collect();
                    self.finding(
                        Severity::Error,
                        flat.path(row).to_owned(),
                        format!(
                            "expected OBJECT (it holds {}), found {}",
                            holds.join(", "),
                            kind_type_name(value)
                        ),
                    );
                }
            }
            _ => self.finding(
                Severity::Info,
                flat.path(row).to_owned(),
                format!("not a documented field of {}", self.event_name),
            ),
        }
        self.close(row, start);
        if let Some(node) = below {
            self.descend(row, node);
        }
    }

    /// Checks what a documented container holds.
    fn descend(&mut self, row: usize, node: u32) {
        let flat = self.flat;
        let Some(value) = flat.nodes.get(row) else {
            return;
        };
        match value.kind {
            Kind::Object => self.object_children(flat.below(row), &flat.path(row), node),
            Kind::Array => {
                let items = self.schema.nodes.get(node as usize).and_then(|n| n.items);
                let Some(items) = items else {
                    return;
                };
                for item in flat.children(flat.below(row)) {
                    let Some(item_value) = flat.nodes.get(item) else {
                        continue;
                    };
                    let start = self.open();
                    if item_value.kind != Kind::Object {
                        self.finding(
                            Severity::Error,
                            flat.path(item).to_owned(),
                            format!(
                                "expected an OBJECT item, found {}",
                                kind_type_name(item_value)
                            ),
                        );
                    }
                    self.close(item, start);
                    self.descend(item, items);
                }
            }
            _ => {}
        }
    }

    fn check_documented(&mut self, spec: &'static FieldSpec, row: usize, items_documented: bool) {
        let flat = self.flat;
        let Some(found) = flat.nodes.get(row) else {
            return;
        };
        // Items of an array whose item fields are documented are checked one by one.
        let items_checked =
            spec.ty == FieldType::ObjectArray && found.kind == Kind::Array && items_documented;
        if !kind_matches(found, spec.ty) && !items_checked {
            let shown = match found.kind {
                Kind::String | Kind::Number | Kind::Bool => {
                    format!(" {}", node_value(flat, found).preview(40))
                }
                _ => String::new(),
            };
            let message = format!(
                "expected {}, found {}{shown}",
                spec.ty,
                kind_type_name(found)
            );
            self.finding(Severity::Error, flat.path(row).to_owned(), message);
            return;
        }
        if let Some(rule) = spec.rule {
            let value = node_value(flat, found);
            let number = value.as_number().and_then(|n| n.as_i64());
            if !rule.allows(number) {
                self.finding(
                    Severity::Error,
                    flat.path(row).to_owned(),
                    rule.violation(spec.name(), &value.preview(20)),
                );
            }
        }
    }

    /// Warns about each documented field missing from the object (rows `rows`, path `path`).
    fn report_missing(&mut self, rows: Range<usize>, path: &str, node: u32) {
        let Some(schema_node) = self.schema.nodes.get(node as usize) else {
            return;
        };
        let normalized = schema_node.normalized.as_str();
        let flat = self.flat;
        for key in &schema_node.expected {
            if flat
                .children(rows.clone())
                .any(|child| flat.key(child).as_ref() == key.as_str())
            {
                continue;
            }
            let prefix = if normalized.is_empty() {
                key.clone()
            } else {
                format!("{normalized}.{key}")
            };
            let shown_prefix = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            let missing: Vec<&FieldSpec> = self.schema.fields_under(self.fields, &prefix).collect();
            for spec in missing {
                let path = format!("{shown_prefix}{}", &spec.path[prefix.len()..]);
                self.finding(
                    Severity::Warning,
                    path,
                    format!(
                        "documented field is missing ({}: {})",
                        spec.ty, spec.description
                    ),
                );
            }
        }
    }

    fn open(&self) -> u32 {
        self.findings.len() as u32
    }

    fn close(&mut self, row: usize, start: u32) {
        let end = self.findings.len() as u32;
        if end > start {
            self.row_findings.push((row as u32, start..end));
        }
    }

    fn finding(&mut self, severity: Severity, path: String, message: String) {
        self.findings.push(Finding {
            severity,
            path,
            message,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::samples::sample;
    use crate::payload::Section;
    use crate::payload::parse_bytes;

    fn inspect_sample(name: &str) -> Inspection {
        let s = sample(name).unwrap();
        inspect(&parse_bytes(s.contents.as_bytes(), name).unwrap(), None)
    }

    #[test]
    fn documented_examples_are_clean() {
        for name in [
            "messaging-survey-started.envelope.json",
            "messaging-survey.bare.json",
            "transcript.envelope.json",
            "transcript-multi-select.json",
            "transcript-csat-unanswered.json",
        ] {
            let i = inspect_sample(name);
            assert!(i.findings.is_empty(), "{name}: {:?}", i.findings);
        }
    }

    #[test]
    fn rows_use_dots_and_indices_and_carry_documentation() {
        let i = inspect_sample("transcript.envelope.json");
        let paths: Vec<_> = i.rows().map(|r| r.path()).collect();
        assert_eq!(
            paths,
            [
                "timestamp",
                "headers",
                "csatRank",
                "skillName",
                "agentName",
                "questionWithAnswers",
                "questionWithAnswers[0]",
                "questionWithAnswers[0].question",
                "questionWithAnswers[0].answer",
            ]
        );
        assert_eq!(i.row(0).unwrap().section(), Section::Envelope);
        let answer = i.row(8).unwrap();
        assert_eq!(answer.value().type_name(), "STRING");
        assert_eq!(answer.value().preview(100), "\"Poor;Below Average\"");
        assert_eq!(answer.doc().unwrap().path, "questionWithAnswers[].answer");
        assert_eq!(i.row(5).unwrap().value().type_name(), "OBJECT-ARRAY");
    }

    #[test]
    fn wrong_types_are_errors_on_their_rows() {
        let i = inspect_sample("invalid-transcript-wrong-types.json");
        let errors: Vec<_> = i
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| (f.path.as_str(), f.message.as_str()))
            .collect();
        assert_eq!(
            errors,
            [
                ("csatRank", "expected NUMBER, found STRING \"3\""),
                ("skillName", "expected STRING, found NUMBER 42"),
                (
                    "questionWithAnswers[0].answer",
                    "expected STRING, found ARRAY"
                ),
            ]
        );
        let row = i.rows().find(|r| r.path() == "skillName").unwrap();
        assert_eq!(i.row_findings(row).len(), 1);
        assert!(i.has_errors());
    }

    #[test]
    fn missing_unknown_and_out_of_range_fields_are_reported() {
        let i = inspect_sample("invalid-messaging-missing-fields.json");
        let missing: Vec<_> = i.findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            missing,
            [
                "surveyRevision",
                "effectiveTTR",
                "ttr.ttrType",
                "ttr.value",
                "context.lang"
            ]
        );
        assert!(i.findings.iter().all(|f| f.severity == Severity::Warning));
        assert_eq!(i.counts().warnings, 5);

        let i = inspect_sample("messaging-survey-unknown-fields.json");
        let infos: Vec<_> = i
            .findings
            .iter()
            .map(|f| (f.severity, f.path.as_str()))
            .collect();
        assert_eq!(
            infos,
            [
                (Severity::Info, "context.deviceId"),
                (Severity::Info, "brandName")
            ]
        );

        let i = inspect_sample("invalid-transcript-csat-out-of-range.json");
        assert_eq!(i.findings.len(), 1);
        assert_eq!(i.findings[0].path, "csatRank");
        assert!(
            i.findings[0]
                .message
                .contains("outside the documented range")
        );
    }

    #[test]
    fn free_form_objects_are_not_reported_and_items_are_checked() {
        let doc = br#"{"csatRank":2,"skillName":"a","agentName":"b",
            "questionWithAnswers":[{"question":"q"},{"question":"q","answer":"a","extra":1}, 5]}"#;
        let i = inspect(&parse_bytes(doc, "t").unwrap(), None);
        let got: Vec<_> = i
            .findings
            .iter()
            .map(|f| (f.severity, f.path.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Severity::Warning, "questionWithAnswers[0].answer"),
                (Severity::Info, "questionWithAnswers[1].extra"),
                (Severity::Error, "questionWithAnswers[2]"),
            ]
        );
        let i = inspect_sample("messaging-survey.bare.json");
        assert!(
            i.rows()
                .any(|r| r.path() == "context.clientProperties.features[0]")
        );
    }

    #[test]
    fn the_event_given_by_the_user_wins() {
        let s = sample("transcript.bare.json").unwrap();
        let payload = parse_bytes(s.contents.as_bytes(), "t").unwrap();
        let i = inspect(&payload, Some(EventId::MessagingSurveyEnded));
        assert_eq!(i.event(), EventId::MessagingSurveyEnded);
        assert_eq!(i.counts().warnings, 31);
        assert_eq!(i.counts().infos, 4);
    }
}
