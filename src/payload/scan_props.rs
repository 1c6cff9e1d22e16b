//! Property tests of the hand-written scanner: on generated documents, valid and broken, its
//! rows and errors are those of a walk over serde_json's own `Value` of the same text.
//!
//! Documents are generated as trees whose objects may repeat keys, written with random
//! whitespace, escapes (`\uXXXX`, surrogate pairs, `\/`) and number spellings; broken ones are
//! the same texts with bytes cut, inserted or replaced. `cargo test` runs a few hundred cases;
//! `SURVEY_CONSOLE_FUZZ=N` runs N (a longer random-input run, as cargo-fuzz would, on the
//! stable toolchain).

use proptest::prelude::*;
use serde_json::Value;

use super::{PayloadError, Section, inspect, parse_bytes};

/// A generated document: objects keep their keys in order, repeated ones included.
#[derive(Clone, Debug)]
enum Doc {
    Null,
    Bool(bool),
    /// A number as written.
    Number(String),
    Str(String),
    Array(Vec<Doc>),
    Object(Vec<(String, Doc)>),
}

fn cases() -> u32 {
    std::env::var("SURVEY_CONSOLE_FUZZ")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// Keys and strings from a small alphabet, so that keys repeat and paths could collide.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just('a'),
            Just('b'),
            Just('.'),
            Just('['),
            Just(']'),
            Just('"'),
            Just('\\'),
            Just(' '),
            Just('\n'),
            Just('é'),
            Just('😀'),
            Just('\u{1}'),
        ],
        0..4,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (-1e300f64..1e300).prop_map(|f| serde_json::to_string(&f).unwrap_or_default()),
        Just("-0".to_owned()),
        Just("1e2".to_owned()),
        Just("0.5E-3".to_owned()),
        Just("12345678901234567890123".to_owned()),
    ]
}

fn doc() -> impl Strategy<Value = Doc> {
    let leaf = prop_oneof![
        Just(Doc::Null),
        any::<bool>().prop_map(Doc::Bool),
        number().prop_map(Doc::Number),
        text().prop_map(Doc::Str),
    ];
    leaf.prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Doc::Array),
            prop::collection::vec((text(), inner), 0..5).prop_map(Doc::Object),
        ]
    })
}

/// A top-level object, sometimes an envelope around a payload.
fn top() -> impl Strategy<Value = Doc> {
    (
        prop::collection::vec((text(), doc()), 0..5),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(mut members, envelope, payload_first)| {
            if envelope {
                let payload = ("payload".to_owned(), Doc::Object(members.clone()));
                members = vec![("timestamp".to_owned(), Doc::Number("1700000000000".into()))];
                if payload_first {
                    members.insert(0, payload);
                } else {
                    members.push(payload);
                }
            }
            Doc::Object(members)
        })
}

/// Writes a document with whitespace and escapes chosen by `seed`.
struct Writer {
    seed: u64,
    out: String,
}

impl Writer {
    fn next(&mut self) -> u64 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        self.seed
    }

    fn ws(&mut self) {
        for _ in 0..self.next() % 3 {
            let c = [' ', '\n', '\t', '\r'][(self.next() % 4) as usize];
            self.out.push(c);
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            let how = self.next() % 4;
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                c if (c as u32) < 0x20 => self.out.push_str(&format!("\\u{:04x}", c as u32)),
                c if how == 0 => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        self.out.push_str(&format!("\\u{unit:04X}"));
                    }
                }
                '.' if how == 1 => self.out.push_str("\\u002e"),
                c => self.out.push(c),
            }
        }
        if self.next().is_multiple_of(8) {
            self.out.push_str("\\/");
        }
        self.out.push('"');
    }

    fn doc(&mut self, doc: &Doc) {
        self.ws();
        match doc {
            Doc::Null => self.out.push_str("null"),
            Doc::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Doc::Number(n) => self.out.push_str(n),
            Doc::Str(s) => self.string(s),
            Doc::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.doc(item);
                }
                self.ws();
                self.out.push(']');
            }
            Doc::Object(members) => {
                self.out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.ws();
                    self.string(key);
                    self.ws();
                    self.out.push(':');
                    self.doc(value);
                }
                self.ws();
                self.out.push('}');
            }
        }
        self.ws();
    }
}

fn write(doc: &Doc, seed: u64) -> String {
    let mut writer = Writer {
        seed: seed | 1,
        out: String::new(),
    };
    writer.doc(doc);
    writer.out
}

/// One row as both sides see it: section, path, type, depth, value (containers: their size).
type RowView = (Section, String, &'static str, u16, Value);

/// The path segment of a key, by the documented rule (written independently of the scanner).
fn segment(path: &str, key: &str) -> String {
    let quoted = key.is_empty() || key.chars().any(|c| ".[]\"\\".contains(c) || c.is_control());
    if quoted {
        format!("{path}[{}]", serde_json::to_string(key).unwrap_or_default())
    } else if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(section: Section, path: String, value: &Value, depth: u16, out: &mut Vec<RowView>) {
    let (ty, shown) = match value {
        Value::Null => ("NULL", Value::Null),
        Value::Bool(b) => ("BOOLEAN", Value::Bool(*b)),
        Value::Number(n) => ("NUMBER", Value::Number(n.clone())),
        Value::String(s) => ("STRING", Value::String(s.clone())),
        Value::Object(map) => ("OBJECT", Value::from(map.len())),
        Value::Array(items) if items.iter().all(Value::is_object) => {
            ("OBJECT-ARRAY", Value::from(items.len()))
        }
        Value::Array(items) => ("ARRAY", Value::from(items.len())),
    };
    out.push((section, path.clone(), ty, depth, shown));
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                walk(section, segment(&path, key), child, depth + 1, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(section, format!("{path}[{i}]"), child, depth + 1, out);
            }
        }
        _ => {}
    }
}

/// The rows of serde_json's value of a document.
fn oracle(value: &Value) -> Vec<RowView> {
    let mut out = Vec::new();
    let Some(top) = value.as_object() else {
        return out;
    };
    let envelope = top.get("payload").is_some_and(Value::is_object)
        && (top.contains_key("timestamp") || top.contains_key("headers"));
    for (key, child) in top {
        match child {
            Value::Object(payload) if envelope && key == "payload" => {
                for (key, child) in payload {
                    walk(Section::Payload, segment("", key), child, 0, &mut out);
                }
            }
            _ => {
                let section = if envelope {
                    Section::Envelope
                } else {
                    Section::Payload
                };
                walk(section, segment("", key), child, 0, &mut out);
            }
        }
    }
    out
}

/// The rows the scanner gives.
fn scanned(bytes: &[u8]) -> Result<Vec<RowView>, PayloadError> {
    let payload = parse_bytes(bytes, "prop.json")?;
    let inspection = inspect(&payload, None);
    Ok(inspection
        .rows()
        .map(|row| {
            let value = match row.value() {
                super::RowValue::Object(n) | super::RowValue::Array { len: n, .. } => {
                    Value::from(n)
                }
                scalar => scalar.to_json(),
            };
            (
                row.section(),
                row.path(),
                row.type_name(),
                row.depth(),
                value,
            )
        })
        .collect())
}

/// Rows agree; floats within a few units in the last place (serde_json's fast float parsing
/// is not correctly rounded, and `Value` and `Number::from_str` round some texts apart).
fn same_row(a: &RowView, b: &RowView) -> bool {
    let (sa, pa, ta, da, va) = a;
    let (sb, pb, tb, db, vb) = b;
    let values = match (va.as_f64(), vb.as_f64()) {
        (Some(x), Some(y)) if va.is_f64() || vb.is_f64() => {
            x == y || (x - y).abs() <= x.abs().max(y.abs()) * 4.0 * f64::EPSILON
        }
        _ => va == vb,
    };
    sa == sb && pa == pb && ta == tb && da == db && values
}

/// Checks the scanner against serde_json on `bytes`.
fn agree(bytes: &[u8]) -> Result<(), TestCaseError> {
    let ours = scanned(bytes);
    let theirs = serde_json::from_slice::<Value>(bytes);
    match (&ours, &theirs) {
        (Ok(rows), Ok(value)) => {
            prop_assert!(value.is_object());
            let expected = oracle(value);
            prop_assert_eq!(rows.len(), expected.len(), "{:?} vs {:?}", rows, expected);
            for (row, want) in rows.iter().zip(&expected) {
                prop_assert!(same_row(row, want), "{:?} vs {:?}", row, want);
            }
        }
        (Err(PayloadError::NotObject { .. }), Ok(value)) => prop_assert!(!value.is_object()),
        (Err(PayloadError::Json { line, column, .. }), Err(e))
        | (Err(PayloadError::TooDeep { line, column, .. }), Err(e)) => {
            prop_assert_eq!((*line, *column), (e.line(), e.column()), "{:?}", e);
        }
        (Err(PayloadError::NotUtf8 { .. } | PayloadError::Empty { .. }), Err(_)) => {}
        _ => prop_assert!(
            false,
            "scanner {:?}, serde_json {:?}, text {:?}",
            ours.as_ref().map(Vec::len),
            theirs.as_ref().map(|_| ()),
            String::from_utf8_lossy(bytes)
        ),
    }
    Ok(())
}

const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\u",
    "\\ud800",
    "1e400",
    "-",
    "tru",
    "null",
    " ",
    "\"payload\":{",
    "\u{e9}",
];

proptest! {
    // Failures are printed with the input that shrank; nothing is written beside the sources.
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn valid_documents_flatten_as_serde_json_reads_them(doc in top(), seed in any::<u64>()) {
        agree(write(&doc, seed).as_bytes())?;
    }

    #[test]
    fn broken_documents_fail_where_serde_json_fails(
        doc in top(),
        seed in any::<u64>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..4u8, any::<prop::sample::Index>()), 1..4),
    ) {
        let mut bytes = write(&doc, seed).into_bytes();
        for (at, how, piece) in edits {
            let at = at.index(bytes.len() + 1);
            match how {
                0 if at < bytes.len() => { bytes.remove(at); }
                1 => bytes.truncate(at),
                2 if at < bytes.len() => bytes[at] = piece.index(256) as u8,
                _ => { bytes.splice(at..at, piece.get(PIECES).bytes()); }
            }
        }
        // A byte order mark is dropped before parsing, as serde_json does not.
        prop_assume!(!bytes.starts_with("\u{feff}".as_bytes()));
        agree(&bytes)?;
    }
}

#[test]
fn ambiguous_keys_give_distinct_paths() {
    let payload = parse_bytes(br#"{"a.b":1,"a":{"b":2},"":3,"x[0]":4,"x":[5]}"#, "k").unwrap();
    let inspection = inspect(&payload, None);
    let paths: Vec<String> = inspection.rows().map(|r| r.path()).collect();
    assert_eq!(
        paths,
        [
            r#"["a.b"]"#,
            "a",
            "a.b",
            r#"[""]"#,
            r#"["x[0]"]"#,
            "x",
            "x[0]"
        ]
    );
}

/// Bytes a loaded payload keeps: its text and its rows.
fn retained(payload: &super::Payload) -> usize {
    payload.flat.text.capacity()
        + payload.flat.nodes.capacity() * std::mem::size_of::<super::flat::Node>()
}

#[test]
fn what_a_payload_keeps_stays_within_eight_times_its_size() {
    // Many small answers: the most rows per byte.
    let items: Vec<String> = (0..20_000)
        .map(|i| format!(r#"{{"question":"q{}","answer":"a"}}"#, i % 10))
        .collect();
    let answers = format!(
        r#"{{"timestamp":1,"headers":[],"payload":{{"csatRank":2,"questionWithAnswers":[{}]}}}}"#,
        items.join(",")
    );
    // One long key above many fields: storing a path per row would copy the key into each.
    let fields: Vec<String> = (0..20_000).map(|i| format!(r#""f{i}":{i}"#)).collect();
    let long_keys = format!(r#"{{"{}":{{{}}}}}"#, "k".repeat(100_000), fields.join(","));
    // A repeated key sends the text through serde_json's reading of it.
    let repeated = answers.replacen(r#""question":"q0""#, r#""question":"x","question":"q0""#, 1);
    for (name, text) in [
        ("answers", answers),
        ("long keys", long_keys),
        ("repeated", repeated),
    ] {
        let payload = parse_bytes(text.as_bytes(), name).unwrap();
        let inspection = inspect(&payload, None);
        assert!(inspection.row_count() >= 20_000, "{name}");
        let kept = retained(&payload);
        assert!(
            kept <= 8 * text.len(),
            "{name}: {kept} bytes kept for {} of text",
            text.len()
        );
        // The table shows a long key cut, not a copy of it per row.
        let shown = inspection.row(1).unwrap().short_path();
        assert!(shown.len() < 200, "{name}: {}", shown.len());
    }
}
