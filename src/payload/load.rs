//! Reading payload files: size limit, regular files only, UTF-8, JSON with line and column,
//! nesting depth, shape.
//!
//! Memory stays near the payload's own size: the text is read once into a buffer of its size,
//! serde_json validates it without building values while counting them, and the rows are then
//! allocated once, for that count (28 bytes each). The document as a [`Value`] (several times
//! the text for small values) is built only when asked for.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::flat::Flat;
use super::json::{canonical, json_error, kind_of_text, validate};
use super::scan::{Bail, MAX_TEXT, scan};
use crate::files::{FileError, line_column};

/// The default largest payload file the console reads (64 MiB).
pub const DEFAULT_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// The deepest nesting a payload may have (serde_json's recursion limit); deeper is an error,
/// never a stack overflow.
pub const MAX_DEPTH: usize = 128;

/// Why a payload could not be loaded. Each message ends with where it happened.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// The file could not be opened or read.
    #[error("cannot read the file ({source}): {origin}")]
    Io {
        source: std::io::Error,
        origin: String,
    },
    /// The path is not a regular file (a FIFO, a device, a folder); nothing was read.
    #[error("it is {kind}, not a regular file, so it is not read: {origin}")]
    NotRegular { kind: &'static str, origin: String },
    /// The file is larger than the limit.
    #[error("the file is {size} bytes, over the limit of {limit} bytes: {origin}")]
    TooLarge {
        size: u64,
        limit: u64,
        origin: String,
    },
    /// The file has no content.
    #[error("the file is empty: {origin}")]
    Empty { origin: String },
    /// The file is not UTF-8 text (often a binary file).
    #[error("not UTF-8 text at line {line}, column {column} (a binary file?): {origin}")]
    NotUtf8 {
        line: usize,
        column: usize,
        origin: String,
    },
    /// The JSON is malformed.
    #[error("invalid JSON at line {line}, column {column}: {message}: {origin}")]
    Json {
        line: usize,
        column: usize,
        message: String,
        origin: String,
    },
    /// The JSON nests deeper than [`MAX_DEPTH`].
    #[error("the JSON nests deeper than {limit} levels at line {line}, column {column}: {origin}")]
    TooDeep {
        limit: usize,
        line: usize,
        column: usize,
        origin: String,
    },
    /// The top level is not an object.
    #[error("the top level is {found}, but a payload is a JSON object: {origin}")]
    NotObject { found: &'static str, origin: String },
}

impl PayloadError {
    /// Where the error happened: the file's path or the sample's name.
    pub fn origin(&self) -> &str {
        match self {
            PayloadError::Io { origin, .. }
            | PayloadError::NotRegular { origin, .. }
            | PayloadError::TooLarge { origin, .. }
            | PayloadError::Empty { origin }
            | PayloadError::NotUtf8 { origin, .. }
            | PayloadError::Json { origin, .. }
            | PayloadError::TooDeep { origin, .. }
            | PayloadError::NotObject { origin, .. } => origin,
        }
    }
}

/// A loaded payload: its JSON text, already flattened into rows. Cheap to clone: the rows are
/// shared, and the document as a [`Value`] is built only when asked for ([`Payload::document`]).
#[derive(Clone)]
pub struct Payload {
    /// Where it came from: a file path or a bundled sample's name.
    pub origin: String,
    /// True when the document is an envelope `{timestamp, headers, payload}`.
    pub is_envelope: bool,
    /// Size of the source in bytes.
    pub size_bytes: usize,
    /// The text and its rows, shared with every [`super::Inspection`] of it.
    pub(crate) flat: Arc<Flat>,
    document: Arc<OnceLock<Value>>,
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payload")
            .field("origin", &self.origin)
            .field("is_envelope", &self.is_envelope)
            .field("size_bytes", &self.size_bytes)
            .field("rows", &self.flat.nodes.len())
            .finish()
    }
}

impl Payload {
    /// The JSON text as read (without a byte order mark).
    pub fn text(&self) -> &str {
        &self.flat.text
    }

    /// The invocation envelope of this payload as JSON bytes, written from the text without
    /// building its values: an envelope as it is, a bare payload wrapped as
    /// `{"timestamp": now_ms, "headers": [], "payload": …}`.
    pub fn envelope_bytes(&self, now_ms: u64) -> Vec<u8> {
        let text = self.flat.text.as_bytes();
        if self.is_envelope {
            return text.to_vec();
        }
        let head = format!("{{\"timestamp\":{now_ms},\"headers\":[],\"payload\":");
        let mut out = Vec::with_capacity(head.len() + text.len() + 1);
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(text);
        out.push(b'}');
        out
    }

    /// The whole JSON document, parsed on first use.
    pub fn document(&self) -> &Value {
        self.document
            .get_or_init(|| serde_json::from_str(&self.flat.text).unwrap_or(Value::Null))
    }

    /// The event payload: the envelope's `payload`, or the whole document when bare.
    pub fn body(&self) -> &Value {
        let document = self.document();
        if self.is_envelope {
            document.get("payload").unwrap_or(&Value::Null)
        } else {
            document
        }
    }

    /// Number of flattened rows (fields at any depth, array items included).
    pub fn row_count(&self) -> usize {
        self.flat.nodes.len()
    }

    /// A short name for the payload: the file name without its folder.
    pub fn file_name(&self) -> &str {
        Path::new(&self.origin)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(&self.origin)
    }
}

/// Reads and parses a payload file, refusing files over `limit` bytes and anything that is not
/// a regular file (before reading it).
pub fn load_file(path: &Path, limit: u64) -> Result<Payload, PayloadError> {
    let origin = path.display().to_string();
    let bytes = crate::files::read_bounded(path, limit).map_err(|e| match e {
        FileError::TooLarge { size, limit, .. } => PayloadError::TooLarge {
            size,
            limit,
            origin: origin.clone(),
        },
        FileError::NotRegular { kind, .. } => PayloadError::NotRegular {
            kind,
            origin: origin.clone(),
        },
        FileError::Io { source, .. } => PayloadError::Io {
            source,
            origin: origin.clone(),
        },
        other => PayloadError::Io {
            source: std::io::Error::other(other.to_string()),
            origin: origin.clone(),
        },
    })?;
    parse_vec(bytes, origin)
}

/// Parses payload bytes already in memory (a bundled sample, pasted text).
pub fn parse_bytes(bytes: &[u8], origin: &str) -> Result<Payload, PayloadError> {
    parse_vec(bytes.to_vec(), origin.to_owned())
}

fn parse_vec(bytes: Vec<u8>, origin: String) -> Result<Payload, PayloadError> {
    let size_bytes = bytes.len();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(PayloadError::Empty { origin });
    }
    let mut text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let (line, column) = line_column(err.as_bytes().get(..valid).unwrap_or(&[]));
            return Err(PayloadError::NotUtf8 {
                line,
                column,
                origin,
            });
        }
    };
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    if text.len() > MAX_TEXT {
        return Err(PayloadError::TooLarge {
            size: size_bytes as u64,
            limit: MAX_TEXT as u64,
            origin,
        });
    }
    // Validate with serde_json without building values: its messages, lines and columns.
    let values = validate(&text).map_err(|e| json_error(e, &origin))?;
    let first = text
        .trim_start_matches([' ', '\n', '\r', '\t'])
        .as_bytes()
        .first();
    if first != Some(&b'{') {
        return Err(PayloadError::NotObject {
            found: kind_of_text(&text),
            origin,
        });
    }
    let scanned = match scan(&text, true, true, values) {
        Err(Bail::NotEnvelope) => scan(&text, false, true, values),
        other => other,
    };
    let (text, scanned) = match scanned {
        Ok(scanned) => (text, scanned),
        Err(_) => {
            // A repeated key (or a surprise): flatten serde_json's own reading of the text,
            // written out again (repeated keys resolved as it resolves them: the last value at
            // the first key's place). No values are built: the text is rewritten as it is read.
            let canonical = canonical(&text).map_err(|e| json_error(e, &origin))?;
            drop(text);
            let scanned = match scan(&canonical, true, false, values) {
                Err(Bail::NotEnvelope) => scan(&canonical, false, false, values),
                other => other,
            };
            let Ok(scanned) = scanned else {
                return Err(PayloadError::Json {
                    line: 1,
                    column: 1,
                    message: "the document could not be flattened".to_owned(),
                    origin,
                });
            };
            (canonical, scanned)
        }
    };
    let flat = Flat {
        text,
        nodes: scanned.nodes,
        is_envelope: scanned.is_envelope,
        payload_rows: scanned.payload_rows,
    };
    Ok(Payload {
        origin,
        is_envelope: flat.is_envelope,
        size_bytes,
        flat: Arc::new(flat),
        document: Arc::new(OnceLock::new()),
    })
}

/// "an array", "a string", … for messages.
pub fn json_kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_and_bare_payloads_are_told_apart() {
        let env = parse_bytes(
            br#"{"timestamp":1,"headers":[],"payload":{"csatRank":3}}"#,
            "e",
        )
        .unwrap();
        assert!(env.is_envelope);
        assert_eq!(env.body()["csatRank"], 3);
        let bare = parse_bytes(br#"{"csatRank":3}"#, "b").unwrap();
        assert!(!bare.is_envelope);
        assert_eq!(bare.body()["csatRank"], 3);
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let err = parse_bytes(b"{\n  \"a\": 1\n  \"b\": 2\n}", "x.json").unwrap_err();
        match &err {
            PayloadError::Json { line, column, .. } => assert_eq!((*line, *column), (3, 3)),
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().ends_with(": x.json"), "{err}");
    }

    #[test]
    fn empty_binary_deep_and_non_object_inputs_are_errors() {
        assert!(matches!(
            parse_bytes(b"  \n", "e"),
            Err(PayloadError::Empty { .. })
        ));
        let err = parse_bytes(b"{\"a\":\n\"\xff\xfe\"}", "bin").unwrap_err();
        assert!(
            matches!(
                err,
                PayloadError::NotUtf8 {
                    line: 2,
                    column: 2,
                    ..
                }
            ),
            "{err:?}"
        );
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            parse_bytes(deep.as_bytes(), "deep"),
            Err(PayloadError::TooDeep { limit: 128, .. })
        ));
        assert!(matches!(
            parse_bytes(b"[1,2]", "arr"),
            Err(PayloadError::NotObject {
                found: "an array",
                ..
            })
        ));
    }

    #[test]
    fn files_over_the_limit_are_refused_with_the_limit_and_path() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let path = dir.join("big.json");
        std::fs::write(&path, format!("{{\"a\":\"{}\"}}", "x".repeat(2000))).unwrap();
        let err = load_file(&path, 1000).unwrap_err();
        assert!(matches!(err, PayloadError::TooLarge { limit: 1000, .. }));
        assert!(err.to_string().contains("1000"));
        assert!(err.to_string().ends_with("big.json"));
        assert!(load_file(&path, DEFAULT_SIZE_LIMIT).is_ok());
        let missing = load_file(&dir.join("nope.json"), DEFAULT_SIZE_LIMIT).unwrap_err();
        assert!(matches!(missing, PayloadError::Io { .. }));
        let device = load_file(Path::new("/dev/zero"), DEFAULT_SIZE_LIMIT).unwrap_err();
        assert!(
            matches!(device, PayloadError::NotRegular { .. }),
            "{device}"
        );
    }

    /// Loads `bytes` and, when that works, inspects them against every event: nothing panics,
    /// and the payload is accepted exactly when serde_json reads an object from it.
    fn load_and_inspect(bytes: &[u8]) {
        let loaded = parse_bytes(bytes, "fuzz.json");
        let expected = serde_json::from_slice::<Value>(bytes).is_ok_and(|v| v.is_object());
        if !bytes.starts_with("\u{feff}".as_bytes()) {
            assert_eq!(
                loaded.is_ok(),
                expected,
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
        let Ok(payload) = loaded else {
            return;
        };
        let mut events = vec![None];
        events.extend(crate::catalog::EventId::ALL.map(Some));
        for event in events {
            let inspection = crate::payload::inspect(&payload, event);
            for row in inspection.rows() {
                let _ = (
                    row.path(),
                    row.value().preview(10),
                    row.doc(),
                    row.findings(),
                );
            }
        }
        assert!(payload.document().is_object());
    }

    #[test]
    fn truncated_samples_never_panic() {
        for sample in crate::catalog::samples::SAMPLES {
            let bytes = sample.contents.as_bytes();
            for end in 0..=bytes.len() {
                load_and_inspect(&bytes[..end]);
            }
        }
    }

    #[test]
    fn random_and_garbled_bytes_never_panic() {
        const PIECES: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"",
            "\"payload\"",
            "\"timestamp\"",
            "\"csatRank\"",
            "\"questionWithAnswers\"",
            "\"a\"",
            "1",
            "-0",
            "1e400",
            "2.5e-3",
            "true",
            "null",
            "\\",
            "\\u0061",
            "\\ud800",
            "\\ud83d\\ude00",
            " ",
            "\n",
            "\u{e9}",
            "\u{feff}",
            "x",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let samples = crate::catalog::samples::SAMPLES;
        // SURVEY_CONSOLE_FUZZ=N makes this a longer random-input run (N × 10 inputs).
        let rounds = std::env::var("SURVEY_CONSOLE_FUZZ")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(4000, |n| n.saturating_mul(10));
        for _ in 0..rounds {
            let mut bytes: Vec<u8> = match next() % 3 {
                // Token soup.
                0 => (0..next() % 40)
                    .flat_map(|_| PIECES[(next() % PIECES.len() as u64) as usize].bytes())
                    .collect(),
                // A sample with a few bytes changed, inserted or removed.
                1 => {
                    let sample = &samples[(next() % samples.len() as u64) as usize];
                    let mut bytes = sample.contents.as_bytes().to_vec();
                    for _ in 0..1 + next() % 3 {
                        let at = (next() % (bytes.len() as u64 + 1)) as usize;
                        let piece = PIECES[(next() % PIECES.len() as u64) as usize];
                        match next() % 3 {
                            0 if at < bytes.len() => {
                                bytes.remove(at);
                            }
                            1 if at < bytes.len() => bytes[at] = next() as u8,
                            _ => {
                                bytes.splice(at..at, piece.bytes());
                            }
                        }
                    }
                    bytes
                }
                // Raw random bytes.
                _ => (0..next() % 64).map(|_| next() as u8).collect(),
            };
            if next() % 4 == 0 {
                bytes.insert(0, b'{');
            }
            load_and_inspect(&bytes);
        }
        // Deep, repeated keys and envelopes that are not.
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(126), "]".repeat(126));
        load_and_inspect(deep.as_bytes());
        let deeper = format!("{{\"a\":{}1{}}}", "[".repeat(127), "]".repeat(127));
        load_and_inspect(deeper.as_bytes());
        load_and_inspect(br#"{"a":1,"b":2,"a":{"c":3}}"#);
        load_and_inspect(br#"{"payload":{"csatRank":3}}"#);
    }

    #[test]
    fn repeated_keys_keep_the_first_place_and_the_last_value() {
        let payload = parse_bytes(br#"{"a":1,"b":2,"\u0061":{"c":3}}"#, "dup").unwrap();
        let inspection = crate::payload::inspect(&payload, None);
        let rows: Vec<_> = inspection
            .rows()
            .map(|r| (r.path(), r.type_name()))
            .collect();
        let rows: Vec<(&str, &str)> = rows.iter().map(|(p, t)| (p.as_str(), *t)).collect();
        assert_eq!(rows, [("a", "OBJECT"), ("a.c", "NUMBER"), ("b", "NUMBER")]);
        let many: String = (0..40).map(|i| format!("\"k{i}\":{i},")).collect();
        let many = format!("{{{many}\"k3\":true}}");
        let payload = parse_bytes(many.as_bytes(), "many").unwrap();
        assert_eq!(payload.row_count(), 40);
    }

    #[test]
    fn a_bare_payload_with_a_payload_key_is_not_an_envelope() {
        let payload = parse_bytes(br#"{"payload":{"csatRank":3},"x":1}"#, "b").unwrap();
        assert!(!payload.is_envelope);
        let inspection = crate::payload::inspect(&payload, None);
        let paths: Vec<_> = inspection.rows().map(|r| r.path()).collect();
        assert_eq!(paths, ["payload", "payload.csatRank", "x"]);
        let envelope = parse_bytes(br#"{"payload":{"csatRank":3},"headers":[]}"#, "e").unwrap();
        assert!(envelope.is_envelope);
        assert_eq!(envelope.row_count(), 2);
    }
}
