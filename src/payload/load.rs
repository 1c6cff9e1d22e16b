//! Reading payload files: size limit, UTF-8, JSON with line and column, nesting depth, shape.

use std::io::Read as _;
use std::path::Path;

use serde_json::Value;

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
            | PayloadError::TooLarge { origin, .. }
            | PayloadError::Empty { origin }
            | PayloadError::NotUtf8 { origin, .. }
            | PayloadError::Json { origin, .. }
            | PayloadError::TooDeep { origin, .. }
            | PayloadError::NotObject { origin, .. } => origin,
        }
    }
}

/// A parsed payload document: either an invocation envelope or a bare payload.
#[derive(Debug, Clone)]
pub struct Payload {
    /// Where it came from: a file path or a bundled sample's name.
    pub origin: String,
    /// The whole JSON document as read.
    pub document: Value,
    /// True when the document is an envelope `{timestamp, headers, payload}`.
    pub is_envelope: bool,
    /// Size of the source in bytes.
    pub size_bytes: usize,
}

impl Payload {
    /// The event payload: the envelope's `payload`, or the whole document when bare.
    pub fn body(&self) -> &Value {
        if self.is_envelope {
            self.document.get("payload").unwrap_or(&Value::Null)
        } else {
            &self.document
        }
    }

    /// A short name for the payload: the file name without its folder.
    pub fn file_name(&self) -> &str {
        Path::new(&self.origin)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(&self.origin)
    }
}

/// Reads and parses a payload file, refusing files over `limit` bytes.
pub fn load_file(path: &Path, limit: u64) -> Result<Payload, PayloadError> {
    let origin = path.display().to_string();
    let io_err = |source| PayloadError::Io {
        source,
        origin: origin.clone(),
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if meta.is_dir() {
        return Err(PayloadError::Io {
            source: std::io::Error::other("it is a folder"),
            origin,
        });
    }
    if meta.len() > limit {
        return Err(PayloadError::TooLarge {
            size: meta.len(),
            limit,
            origin,
        });
    }
    // Read at most limit + 1 bytes: a file that grows while being read is still caught.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > limit {
        return Err(PayloadError::TooLarge {
            size: bytes.len() as u64,
            limit,
            origin,
        });
    }
    parse_bytes(&bytes, &origin)
}

/// Parses payload bytes already in memory (a bundled sample, pasted text).
pub fn parse_bytes(bytes: &[u8], origin: &str) -> Result<Payload, PayloadError> {
    let origin = origin.to_owned();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(PayloadError::Empty { origin });
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let (line, column) = line_column(&bytes[..err.valid_up_to()]);
            return Err(PayloadError::NotUtf8 {
                line,
                column,
                origin,
            });
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let document: Value = serde_json::from_str(text).map_err(|err| {
        let (line, column) = (err.line(), err.column());
        let message = err.to_string();
        if message.starts_with("recursion limit exceeded") {
            PayloadError::TooDeep {
                limit: MAX_DEPTH,
                line,
                column,
                origin: origin.clone(),
            }
        } else {
            // serde_json appends " at line L column C"; the error says it already.
            let message = match message.rfind(" at line ") {
                Some(at) => message[..at].to_owned(),
                None => message,
            };
            PayloadError::Json {
                line,
                column,
                message,
                origin: origin.clone(),
            }
        }
    })?;
    let Value::Object(map) = &document else {
        return Err(PayloadError::NotObject {
            found: json_kind_name(&document),
            origin,
        });
    };
    let is_envelope = map.get("payload").is_some_and(Value::is_object)
        && (map.contains_key("timestamp") || map.contains_key("headers"));
    Ok(Payload {
        origin,
        document,
        is_envelope,
        size_bytes: bytes.len(),
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

/// 1-based line and column of the end of `prefix`.
fn line_column(prefix: &[u8]) -> (usize, usize) {
    let line = prefix.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = prefix
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&prefix[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
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
        let dir = std::env::temp_dir().join(format!("sc-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.json");
        std::fs::write(&path, format!("{{\"a\":\"{}\"}}", "x".repeat(2000))).unwrap();
        let err = load_file(&path, 1000).unwrap_err();
        assert!(matches!(err, PayloadError::TooLarge { limit: 1000, .. }));
        assert!(err.to_string().contains("1000"));
        assert!(err.to_string().ends_with("big.json"));
        assert!(load_file(&path, DEFAULT_SIZE_LIMIT).is_ok());
        let missing = load_file(&dir.join("nope.json"), DEFAULT_SIZE_LIMIT).unwrap_err();
        assert!(matches!(missing, PayloadError::Io { .. }));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
