//! What an inspection holds: rows (views into the flattened payload), findings and counts.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Number, Value};

use super::detect::Detection;
use super::flat::{Flat, Kind, Node};
use crate::catalog::{EventId, FieldSpec, FieldType};

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

/// A row's value: scalars whole (read from the payload text when asked for), containers as
/// their size.
#[derive(Clone, Debug, PartialEq)]
pub enum RowValue<'a> {
    Null,
    Bool(bool),
    /// A number, as written in the payload.
    Number(&'a str),
    /// A string, escapes decoded.
    String(Cow<'a, str>),
    /// An object with this many keys.
    Object(usize),
    /// An array with this many items; `objects` when every item is an object.
    Array {
        len: usize,
        objects: bool,
    },
}

impl RowValue<'_> {
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

    /// The number, as serde_json reads it.
    pub fn as_number(&self) -> Option<Number> {
        match self {
            RowValue::Number(text) => text.parse().ok(),
            _ => None,
        }
    }

    /// A one-line preview of at most about `max_chars` characters.
    pub fn preview(&self, max_chars: usize) -> Cow<'_, str> {
        match self {
            RowValue::Null => "null".into(),
            RowValue::Bool(b) => b.to_string().into(),
            RowValue::Number(text) => match self.as_number() {
                Some(n) => n.to_string().into(),
                None => Cow::Borrowed(*text),
            },
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
            RowValue::Object(n) => {
                format!("{{{n} field{}}}", if *n == 1 { "" } else { "s" }).into()
            }
            RowValue::Array { len, .. } => {
                format!("[{len} item{}]", if *len == 1 { "" } else { "s" }).into()
            }
        }
    }

    /// The value as JSON: scalars as themselves, containers as their preview text.
    pub fn to_json(&self) -> Value {
        match self {
            RowValue::Null => Value::Null,
            RowValue::Bool(b) => Value::Bool(*b),
            RowValue::Number(text) => match self.as_number() {
                Some(n) => Value::Number(n),
                None => Value::String((*text).to_owned()),
            },
            RowValue::String(s) => Value::String(s.clone().into_owned()),
            container => Value::String(container.preview(0).into_owned()),
        }
    }
}

/// The type name of a row without reading its value.
pub(crate) fn kind_type_name(node: &Node) -> &'static str {
    match node.kind {
        Kind::Null => "NULL",
        Kind::Bool => "BOOLEAN",
        Kind::Number => "NUMBER",
        Kind::String => "STRING",
        Kind::Object => "OBJECT",
        Kind::Array if node.b == 1 => "OBJECT-ARRAY",
        Kind::Array => "ARRAY",
    }
}

/// True when a row's type is the documented type.
pub(crate) fn kind_matches(node: &Node, ty: FieldType) -> bool {
    match ty {
        FieldType::String => node.kind == Kind::String,
        FieldType::Number => node.kind == Kind::Number,
        FieldType::Boolean => node.kind == Kind::Bool,
        FieldType::Object => node.kind == Kind::Object,
        FieldType::ObjectArray => node.kind == Kind::Array && node.b == 1,
    }
}

/// The value of a row of `flat`.
pub(crate) fn node_value<'a>(flat: &'a Flat, node: &Node) -> RowValue<'a> {
    match node.kind {
        Kind::Null => RowValue::Null,
        Kind::Bool => RowValue::Bool(node.a == 1),
        Kind::Number => RowValue::Number(flat.raw(node)),
        Kind::String if node.escaped() => {
            let quoted = flat
                .text
                .get(node.a as usize - 1..node.b as usize + 1)
                .unwrap_or("\"\"");
            match serde_json::from_str::<String>(quoted) {
                Ok(s) => RowValue::String(Cow::Owned(s)),
                Err(_) => RowValue::String(Cow::Borrowed(flat.raw(node))),
            }
        }
        Kind::String => RowValue::String(Cow::Borrowed(flat.raw(node))),
        Kind::Object => RowValue::Object(node.a as usize),
        Kind::Array => RowValue::Array {
            len: node.a as usize,
            objects: node.b == 1,
        },
    }
}

/// Keys longer than this (in bytes) are cut in [`Row::short_path`].
pub const SHORT_KEY: usize = 80;

/// One flattened field of a payload: a view into an [`Inspection`].
#[derive(Clone, Copy)]
pub struct Row<'a> {
    inspection: &'a Inspection,
    index: usize,
    node: &'a Node,
}

impl std::fmt::Debug for Row<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row")
            .field("index", &self.index)
            .field("path", &self.path())
            .field("value", &self.value())
            .finish()
    }
}

impl<'a> Row<'a> {
    /// Position in document order (what [`Inspection::row`] takes).
    pub fn index(&self) -> usize {
        self.index
    }

    /// Envelope or payload.
    pub fn section(&self) -> Section {
        if self.inspection.flat.in_envelope(self.index) {
            Section::Envelope
        } else {
            Section::Payload
        }
    }

    /// Path relative to the payload (or the envelope key), dots and `[i]`; a key that holds
    /// one of `.[]"\` (or nothing) quoted as `["a.b"]`.
    pub fn path(&self) -> String {
        self.inspection.flat.path(self.index)
    }

    /// Appends the path to `out` (no allocation when `out` has room).
    pub fn write_path(&self, out: &mut String) {
        self.inspection.flat.write_path(self.index, out);
    }

    /// Appends the path for display to `out` (as [`Row::short_path`]).
    pub fn write_short_path(&self, out: &mut String) {
        self.inspection
            .flat
            .write_short_path(self.index, out, SHORT_KEY);
    }

    /// The path for display: keys longer than [`SHORT_KEY`] bytes cut and marked with `…`.
    pub fn short_path(&self) -> String {
        let mut out = String::new();
        self.inspection
            .flat
            .write_short_path(self.index, &mut out, SHORT_KEY);
        out
    }

    /// Nesting depth (0 for top-level fields).
    pub fn depth(&self) -> u16 {
        self.node.depth
    }

    /// The value (strings are decoded when they hold escapes).
    pub fn value(&self) -> RowValue<'a> {
        node_value(&self.inspection.flat, self.node)
    }

    /// The type name, as [`RowValue::type_name`], without reading the value.
    pub fn type_name(&self) -> &'static str {
        kind_type_name(self.node)
    }

    /// The documented field this row is, if any.
    pub fn doc(&self) -> Option<&'static FieldSpec> {
        let docs = &self.inspection.docs;
        let at = docs
            .binary_search_by_key(&(self.index as u32), |d| d.0)
            .ok()?;
        docs.get(at).map(|d| d.1)
    }

    /// The findings about this row.
    pub fn findings(&self) -> &'a [Finding] {
        let inspection = self.inspection;
        let ranges = &inspection.row_findings;
        let Ok(at) = ranges.binary_search_by_key(&(self.index as u32), |r| r.0) else {
            return &[];
        };
        let range = ranges.get(at).map_or(0..0, |r| r.1.clone());
        inspection
            .findings
            .get(range.start as usize..range.end as usize)
            .unwrap_or(&[])
    }
}

/// Counts of findings by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// A payload flattened and validated against one event. Holds the payload's rows (shared, not
/// copied): checking the same payload against another event only redoes the checks.
#[derive(Clone, Debug)]
pub struct Inspection {
    /// The event the payload was checked against, and how it was chosen.
    pub detection: Detection,
    /// True when the document was an envelope.
    pub is_envelope: bool,
    /// Every finding, row by row; findings about the payload as a whole (missing top-level
    /// fields) come first.
    pub findings: Vec<Finding>,
    pub(crate) flat: Arc<Flat>,
    /// The documented field of each documented row, by row index.
    pub(crate) docs: Vec<(u32, &'static FieldSpec)>,
    /// The findings of each row that has any, by row index.
    pub(crate) row_findings: Vec<(u32, Range<u32>)>,
}

impl Inspection {
    /// The event checked against.
    pub fn event(&self) -> EventId {
        self.detection.event
    }

    /// Number of rows.
    pub fn row_count(&self) -> usize {
        self.flat.nodes.len()
    }

    /// The row at `index` (document order).
    pub fn row(&self, index: usize) -> Option<Row<'_>> {
        let node = self.flat.nodes.get(index)?;
        Some(Row {
            inspection: self,
            index,
            node,
        })
    }

    /// Every field, in document order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = Row<'_>> + DoubleEndedIterator + '_ {
        self.flat
            .nodes
            .iter()
            .enumerate()
            .map(move |(index, node)| Row {
                inspection: self,
                index,
                node,
            })
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

    /// The findings of one row (as [`Row::findings`]).
    pub fn row_findings(&self, row: Row<'_>) -> &[Finding] {
        self.row(row.index).map_or(&[], |r| r.findings())
    }

    /// "33 fields, 1 error, 2 warnings, 0 notes".
    pub fn summary(&self) -> String {
        let c = self.counts();
        format!(
            "{} fields, {} error{}, {} warning{}, {} note{}",
            self.row_count(),
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
