//! The envelope an invocation sends: built from a payload (as a value, or as its text without
//! building the document), prepared once for batches, and kept in a record only when small.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::{Value, json};

use crate::payload::Payload;

/// The envelope to send for a payload: an envelope as it is, a bare payload wrapped with
/// `timestamp` = `now_ms` and empty `headers`.
pub fn envelope(payload: &Payload, now_ms: u64) -> Value {
    if payload.is_envelope {
        payload.document().clone()
    } else {
        json!({"timestamp": now_ms, "headers": [], "payload": payload.document()})
    }
}

/// An envelope ready to be sent many times (batches): its bytes, serialized once and shared by
/// every request, and its value, read from them only when something needs one (a record shown
/// in full).
#[derive(Clone, Debug)]
pub struct PreparedEnvelope {
    /// The envelope as JSON bytes, the request body (shared, never copied).
    pub bytes: Bytes,
    pub(super) value: Arc<std::sync::OnceLock<Value>>,
}

impl PreparedEnvelope {
    /// Serializes the envelope once.
    pub fn new(value: Value) -> PreparedEnvelope {
        let bytes = serde_json::to_vec(&value).unwrap_or_default();
        PreparedEnvelope {
            bytes: Bytes::from(bytes),
            value: Arc::new(std::sync::OnceLock::from(value)),
        }
    }

    /// An envelope already written as JSON ([`Payload::envelope_bytes`]): no value is built
    /// until one is needed.
    pub fn from_bytes(bytes: Vec<u8>) -> PreparedEnvelope {
        PreparedEnvelope {
            bytes: Bytes::from(bytes),
            value: Arc::new(std::sync::OnceLock::new()),
        }
    }

    /// The envelope as a value, read from the bytes on first use.
    pub fn value(&self) -> &Value {
        self.value
            .get_or_init(|| serde_json::from_slice(&self.bytes).unwrap_or(Value::Null))
    }

    /// The envelope as a record keeps it: the value when it is small, a note of its size else.
    pub fn recorded(&self) -> Value {
        recorded_body(self.value.get(), &self.bytes)
    }
}

/// The largest envelope a record keeps (larger ones are noted by their size): a record is
/// shown, kept in the history and printed, and must not hold a copy of a large payload.
pub const RECORDED_BODY_MAX: usize = 256 * 1024;

/// The envelope as a record keeps it: the value when it is small, else a note of its size.
pub(super) fn recorded_body(value: Option<&Value>, bytes: &[u8]) -> Value {
    if bytes.len() > RECORDED_BODY_MAX {
        return Value::String(format!(
            "(a payload of {} bytes is not kept in the record)",
            bytes.len()
        ));
    }
    match value {
        Some(value) => value.clone(),
        None => serde_json::from_slice(bytes).unwrap_or(Value::Null),
    }
}

/// Largest envelope kept in the record of an invocation made from its text ([`invoke_text`]);
/// a larger one is left out, as batches leave out large bodies.
pub const KEEP_ENVELOPE_MAX: usize = 1024 * 1024;

/// The envelope of a payload as JSON text, without building its document: the file's text for
/// an envelope, the bare payload's text wrapped in `{timestamp, headers, payload}`.
pub fn envelope_text(payload: &Payload, now_ms: u64) -> std::borrow::Cow<'_, [u8]> {
    if payload.is_envelope {
        std::borrow::Cow::Borrowed(payload.text().as_bytes())
    } else {
        let head = format!("{{\"timestamp\":{now_ms},\"headers\":[],\"payload\":");
        let mut bytes = Vec::with_capacity(head.len() + payload.text().len() + 1);
        bytes.extend_from_slice(head.as_bytes());
        bytes.extend_from_slice(payload.text().as_bytes());
        bytes.push(b'}');
        std::borrow::Cow::Owned(bytes)
    }
}
