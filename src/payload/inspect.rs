//! Flattening a payload into rows and validating it against an event, in one pass.

use std::borrow::Cow;
use std::ops::Range;

use serde::Serialize;
use serde_json::{Number, Value};

use super::detect::{Detection, detect};
use super::load::Payload;
use super::schema::Schema;
use crate::catalog::{ENVELOPE_FIELDS, EventId, FieldSpec, FieldType};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something the documents do not list; often harmless.
    Info,
    /// A documented field is missing.
    Warning,
    /// A wrong type or a value out of the documented range.
    Error,
}

impl Severity {
    /// "error", "warning" or "info".
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem found in a payload.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// How serious it is.
    pub severity: Severity,
    /// Where: the field's path (relative to the payload, or an envelope key).
    pub path: String,
    /// What is wrong, in the operator's words.
    pub message: String,
}

/// Which part of the document a row belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// `timestamp`, `headers` and anything else beside `payload`.
    Envelope,
    /// The event's payload.
    Payload,
}

/// A row's value: scalars kept whole, containers as their size.
#[derive(Clone, Debug, PartialEq)]
pub enum RowValue {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    /// An object with this many keys.
    Object(usize),
    /// An array with this many items; `objects` when every item is an object.
    Array {
        len: usize,
        objects: bool,
    },
}

impl RowValue {
    /// The type in the documents' words (plus NULL and ARRAY for what they do not name).
    pub fn type_name(&self) -> &'static str {
        match self {
            RowValue::Null => "NULL",
            RowValue::Bool(_) => "BOOLEAN",
            RowValue::Number(_) => "NUMBER",
            RowValue::String(_) => "STRING",
            RowValue::Object(_) => "OBJECT",
            RowValue::Array { objects: true, .. } => "OBJECT-ARRAY",
            RowValue::Array { .. } => "ARRAY",
        }
    }

    /// A one-line preview of at most about `max_chars` characters.
    pub fn preview(&self, max_chars: usize) -> Cow<'_, str> {
        match self {
            RowValue::Null => "null".into(),
            RowValue::Bool(b) => b.to_string().into(),
            RowValue::Number(n) => n.to_string().into(),
            RowValue::String(s) => {
                let mut out = String::with_capacity(s.len().min(max_chars) + 2);
                out.push('"');
                let mut chars = s.chars();
                for c in chars.by_ref().take(max_chars) {
                    out.push(if c.is_control() { ' ' } else { c });
                }
                out.push('"');
                if chars.next().is_some() {
                    out.push('…');
                }
                out.into()
            }
            RowValue::Object(n) => format!("{{{n} field{}}}", plural(*n)).into(),
            RowValue::Array { len, .. } => format!("[{len} item{}]", plural(*len)).into(),
        }
    }

    /// The value as JSON: scalars as themselves, containers as their preview text.
    pub fn to_json(&self) -> Value {
        match self {
            RowValue::Null => Value::Null,
            RowValue::Bool(b) => Value::Bool(*b),
            RowValue::Number(n) => Value::Number(n.clone()),
            RowValue::String(s) => Value::String(s.clone()),
            container => Value::String(container.preview(0).into_owned()),
        }
    }

    fn of(value: &Value) -> RowValue {
        match value {
            Value::Null => RowValue::Null,
            Value::Bool(b) => RowValue::Bool(*b),
            Value::Number(n) => RowValue::Number(n.clone()),
            Value::String(s) => RowValue::String(s.clone()),
            Value::Object(map) => RowValue::Object(map.len()),
            Value::Array(items) => RowValue::Array {
                len: items.len(),
                objects: items.iter().all(Value::is_object),
            },
        }
    }

    fn matches(&self, ty: FieldType) -> bool {
        match ty {
            FieldType::String => matches!(self, RowValue::String(_)),
            FieldType::Number => matches!(self, RowValue::Number(_)),
            FieldType::Boolean => matches!(self, RowValue::Bool(_)),
            FieldType::Object => matches!(self, RowValue::Object(_)),
            FieldType::ObjectArray => matches!(self, RowValue::Array { objects: true, .. }),
        }
    }
}

/// One flattened field of a payload.
#[derive(Clone, Debug)]
pub struct Row {
    /// Envelope or payload.
    pub section: Section,
    /// Path relative to the payload (or the envelope key), dots and `[i]`.
    pub path: String,
    /// Nesting depth (0 for top-level fields).
    pub depth: u16,
    /// The value.
    pub value: RowValue,
    /// The documented field this row is, if any.
    pub doc: Option<&'static FieldSpec>,
    /// The findings about this row: indices into [`Inspection::findings`].
    pub findings: Range<u32>,
}

/// Counts of findings by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// A payload flattened and validated against one event.
#[derive(Clone, Debug)]
pub struct Inspection {
    /// The event the payload was checked against, and how it was chosen.
    pub detection: Detection,
    /// True when the document was an envelope.
    pub is_envelope: bool,
    /// Every field, in document order.
    pub rows: Vec<Row>,
    /// Every finding, row by row; findings about the payload as a whole (missing top-level
    /// fields) come first.
    pub findings: Vec<Finding>,
}

impl Inspection {
    /// The event checked against.
    pub fn event(&self) -> EventId {
        self.detection.event
    }

    /// Findings by severity.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for f in &self.findings {
            match f.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Info => counts.infos += 1,
            }
        }
        counts
    }

    /// True when any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The findings of one row.
    pub fn row_findings(&self, row: &Row) -> &[Finding] {
        self.findings
            .get(row.findings.start as usize..row.findings.end as usize)
            .unwrap_or(&[])
    }

    /// "33 fields, 1 error, 2 warnings, 0 notes".
    pub fn summary(&self) -> String {
        let c = self.counts();
        format!(
            "{} fields, {} error{}, {} warning{}, {} note{}",
            self.rows.len(),
            c.errors,
            plural(c.errors),
            c.warnings,
            plural(c.warnings),
            c.infos,
            plural(c.infos)
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Flattens and validates a payload. With `event` given the payload is checked against it;
/// otherwise the event is detected from the fields.
pub fn inspect(payload: &Payload, event: Option<EventId>) -> Inspection {
    let detection = detect(payload, event);
    let spec = detection.event.spec();
    let mut walker = Walker {
        fields: spec.fields,
        event_name: spec.name,
        schema: Schema::of(detection.event),
        rows: Vec::new(),
        findings: Vec::new(),
        path: String::new(),
        normalized: String::new(),
    };
    if payload.is_envelope {
        walker.envelope(&payload.document);
    } else {
        walker.object_children(payload.body(), Section::Payload, 0, true);
    }
    Inspection {
        detection,
        is_envelope: payload.is_envelope,
        rows: walker.rows,
        findings: walker.findings,
    }
}

struct Walker {
    fields: &'static [FieldSpec],
    event_name: &'static str,
    schema: &'static Schema,
    rows: Vec<Row>,
    findings: Vec<Finding>,
    /// The current path as shown (`dialogs[0].state`).
    path: String,
    /// The current path with indices removed (`dialogs[].state`).
    normalized: String,
}

/// What the walker checks below a value.
#[derive(Clone, Copy, PartialEq)]
enum Check {
    /// Documented territory: check types, report unknown and missing fields.
    Schema,
    /// Free-form content (inside a documented OBJECT, or below an unknown field): no checks.
    Free,
}

impl Walker {
    fn envelope(&mut self, document: &Value) {
        let Value::Object(map) = document else {
            return;
        };
        for spec in ENVELOPE_FIELDS {
            if spec.path != "payload" && !map.contains_key(spec.path) {
                self.finding(
                    Severity::Warning,
                    spec.path.to_owned(),
                    format!("the envelope has no {} ({})", spec.path, spec.description),
                );
            }
        }
        for (key, value) in map {
            self.path.clear();
            self.normalized.clear();
            if key == "payload" {
                self.object_children(value, Section::Payload, 0, true);
                continue;
            }
            self.path.push_str(key);
            let row = self.push_row(Section::Envelope, value, 0, None);
            let ok = match key.as_str() {
                "timestamp" => value.is_number(),
                "headers" => value.is_array() || value.is_object(),
                _ => {
                    self.finding(
                        Severity::Info,
                        key.clone(),
                        "not part of the invocation envelope {timestamp, headers, payload}"
                            .to_owned(),
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
                    key.clone(),
                    format!(
                        "expected {expected}, found {}",
                        self.rows[row].value.type_name()
                    ),
                );
            }
            self.close_row(row);
            self.descend(value, Section::Envelope, 1, Check::Free);
        }
    }

    /// Visits the keys of an object whose own row (if any) is already pushed.
    fn object_children(&mut self, value: &Value, section: Section, depth: u16, checked: bool) {
        let Value::Object(map) = value else {
            return;
        };
        if checked {
            self.report_missing(map);
        }
        let (path_len, norm_len) = (self.path.len(), self.normalized.len());
        for (key, child) in map {
            if path_len > 0 {
                self.path.push('.');
                self.normalized.push('.');
            }
            self.path.push_str(key);
            self.normalized.push_str(key);
            let check = if checked { Check::Schema } else { Check::Free };
            self.field(child, section, depth, check);
            self.path.truncate(path_len);
            self.normalized.truncate(norm_len);
        }
    }

    /// Visits one field: its row, its own findings, then what it holds.
    fn field(&mut self, value: &Value, section: Section, depth: u16, check: Check) {
        let doc = match check {
            Check::Schema => self
                .schema
                .documented
                .get(self.normalized.as_str())
                .copied(),
            Check::Free => None,
        };
        let row = self.push_row(section, value, depth, doc);
        let mut below = Check::Free;
        if check == Check::Schema {
            let container = self.schema.is_container(&self.normalized);
            match doc {
                Some(spec) => {
                    self.check_documented(spec, row, value);
                    if !self.schema.free_form.contains(spec.path) {
                        below = Check::Schema;
                    }
                }
                None if container => {
                    if !value.is_object() {
                        let holds: Vec<_> = self
                            .schema
                            .fields_under(self.fields, &self.normalized)
                            .map(|f| f.path)
                            .collect();
                        self.finding(
                            Severity::Error,
                            self.path.clone(),
                            format!(
                                "expected OBJECT (it holds {}), found {}",
                                holds.join(", "),
                                self.rows[row].value.type_name()
                            ),
                        );
                    } else {
                        below = Check::Schema;
                    }
                }
                None => self.finding(
                    Severity::Info,
                    self.path.clone(),
                    format!("not a documented field of {}", self.event_name),
                ),
            }
        }
        self.close_row(row);
        self.descend(value, section, depth + 1, below);
    }

    fn descend(&mut self, value: &Value, section: Section, depth: u16, check: Check) {
        match value {
            Value::Object(_) => {
                self.object_children(value, section, depth, check == Check::Schema);
            }
            Value::Array(items) => {
                let (path_len, norm_len) = (self.path.len(), self.normalized.len());
                self.normalized.push_str("[]");
                let item_check =
                    if check == Check::Schema && self.schema.is_container(&self.normalized) {
                        Check::Schema
                    } else {
                        Check::Free
                    };
                for (i, item) in items.iter().enumerate() {
                    use std::fmt::Write as _;
                    let _ = write!(self.path, "[{i}]");
                    let row = self.push_row(section, item, depth, None);
                    if item_check == Check::Schema && !item.is_object() {
                        self.finding(
                            Severity::Error,
                            self.path.clone(),
                            format!(
                                "expected an OBJECT item, found {}",
                                self.rows[row].value.type_name()
                            ),
                        );
                    }
                    self.close_row(row);
                    self.descend(item, section, depth + 1, item_check);
                    self.path.truncate(path_len);
                }
                self.normalized.truncate(norm_len);
            }
            _ => {}
        }
    }

    fn check_documented(&mut self, spec: &'static FieldSpec, row: usize, value: &Value) {
        let found = &self.rows[row].value;
        // Items of an array whose item fields are documented are checked one by one.
        let items_checked = spec.ty == FieldType::ObjectArray
            && matches!(found, RowValue::Array { .. })
            && self.schema.is_container(&format!("{}[]", spec.path));
        if !found.matches(spec.ty) && !items_checked {
            let shown = match found {
                RowValue::String(_) | RowValue::Number(_) | RowValue::Bool(_) => {
                    format!(" {}", found.preview(40))
                }
                _ => String::new(),
            };
            let message = format!("expected {}, found {}{shown}", spec.ty, found.type_name());
            self.finding(Severity::Error, self.path.clone(), message);
            return;
        }
        if spec.path == "csatRank" {
            let rank = value.as_i64();
            let in_range = matches!(rank, Some(1..=5) | Some(-1));
            if !in_range {
                self.finding(
                    Severity::Error,
                    self.path.clone(),
                    format!(
                        "csatRank {} is outside the documented range: 1 (very dissatisfied) to 5 (very satisfied), or -1 when unanswered",
                        found.preview(20)
                    ),
                );
            }
        }
    }

    /// Warns about each documented field missing from the object at the current path.
    fn report_missing(&mut self, map: &serde_json::Map<String, Value>) {
        let Some(keys) = self.schema.children.get(self.normalized.as_str()) else {
            return;
        };
        for key in keys {
            if map.contains_key(key) {
                continue;
            }
            let prefix = if self.normalized.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.normalized)
            };
            let shown_prefix = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
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

    fn push_row(
        &mut self,
        section: Section,
        value: &Value,
        depth: u16,
        doc: Option<&'static FieldSpec>,
    ) -> usize {
        let start = self.findings.len() as u32;
        self.rows.push(Row {
            section,
            path: self.path.clone(),
            depth,
            value: RowValue::of(value),
            doc,
            findings: start..start,
        });
        self.rows.len() - 1
    }

    fn close_row(&mut self, row: usize) {
        let end = self.findings.len() as u32;
        if let Some(row) = self.rows.get_mut(row) {
            row.findings.end = end;
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
        let paths: Vec<_> = i.rows.iter().map(|r| r.path.as_str()).collect();
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
        assert_eq!(i.rows[0].section, Section::Envelope);
        let answer = &i.rows[8];
        assert_eq!(answer.value.type_name(), "STRING");
        assert_eq!(answer.value.preview(100), "\"Poor;Below Average\"");
        assert_eq!(answer.doc.unwrap().path, "questionWithAnswers[].answer");
        assert_eq!(i.rows[5].value.type_name(), "OBJECT-ARRAY");
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
        let row = i.rows.iter().find(|r| r.path == "skillName").unwrap();
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
            i.rows
                .iter()
                .any(|r| r.path == "context.clientProperties.features[0]")
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
