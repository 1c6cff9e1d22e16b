//! The passes serde_json makes over a payload's text: validation that counts the values (so the
//! rows are allocated once), and for a document with repeated keys a rewriting of the text as
//! serde_json reads it. Neither builds a `serde_json::Value`: a value tree of a payload of
//! small fields takes many times the text's size.

use std::collections::HashMap;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::load::{MAX_DEPTH, PayloadError};

/// Counts the values of a JSON document while serde_json validates it: every string is read
/// (escapes and surrogates checked) and every number parsed (range checked), as building a
/// [`Value`] would, but nothing is kept.
struct CountValues<'a>(&'a mut usize);

impl<'de> DeserializeSeed<'de> for CountValues<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CountValues<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        *self.0 += 1;
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        *self.0 += 1;
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        *self.0 += 1;
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        *self.0 += 1;
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        *self.0 += 1;
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        *self.0 += 1;
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        *self.0 += 1;
        while seq.next_element_seed(CountValues(&mut *self.0))?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        *self.0 += 1;
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(CountValues(&mut *self.0))?;
        }
        Ok(())
    }
}

/// Validates `text` as one JSON value, as serde_json reads it, and counts its values.
pub(super) fn validate(text: &str) -> Result<usize, serde_json::Error> {
    let mut values = 0;
    let mut de = serde_json::Deserializer::from_str(text);
    CountValues(&mut values).deserialize(&mut de)?;
    de.end()?;
    Ok(values)
}

/// What the first character of a valid JSON text says it is.
pub(super) fn kind_of_text(text: &str) -> &'static str {
    match text.trim_start().as_bytes().first() {
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(b'{') => "an object",
        _ => "a number",
    }
}

/// The text of a JSON value as serde_json reads it, written compactly: repeated keys resolved
/// (the last value at the first key's place), numbers and strings in serde_json's spelling.
struct Canonical;

impl<'de> DeserializeSeed<'de> for Canonical {
    type Value = String;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(CanonicalVisitor)
    }
}

struct CanonicalVisitor;

impl<'de> Visitor<'de> for CanonicalVisitor {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
        serde_json::to_string(&v).map_err(E::custom)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        serde_json::to_string(v).map_err(E::custom)
    }

    fn visit_unit<E>(self) -> Result<String, E> {
        Ok("null".to_owned())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<String, A::Error> {
        let mut out = String::from("[");
        let mut first = true;
        while let Some(item) = seq.next_element_seed(Canonical)? {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&item);
        }
        out.push(']');
        Ok(out)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
        let mut members: Vec<(String, String)> = Vec::new();
        let mut places: HashMap<String, usize> = HashMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Canonical)?;
            match places.get(&key) {
                Some(&at) => members[at].1 = value,
                None => {
                    places.insert(key.clone(), members.len());
                    members.push((key, value));
                }
            }
        }
        drop(places);
        let size: usize = members.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
        let mut out = String::with_capacity(size + 2);
        out.push('{');
        for (i, (key, value)) in members.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(&key).map_err(serde::de::Error::custom)?);
            out.push(':');
            out.push_str(&value);
        }
        out.push('}');
        Ok(out)
    }
}

/// The text of `text`'s document as serde_json reads it (see [`Canonical`]).
pub(super) fn canonical(text: &str) -> Result<String, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let out = Canonical.deserialize(&mut de)?;
    de.end()?;
    Ok(out)
}

/// A serde_json error as a payload error of `origin`.
pub(super) fn json_error(err: serde_json::Error, origin: &str) -> PayloadError {
    let (line, column) = (err.line(), err.column());
    let message = err.to_string();
    if message.starts_with("recursion limit exceeded") {
        PayloadError::TooDeep {
            limit: MAX_DEPTH,
            line,
            column,
            origin: origin.to_owned(),
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
            origin: origin.to_owned(),
        }
    }
}
