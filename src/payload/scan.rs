//! One pass over a payload's JSON text that flattens it into rows: each a node that points at
//! its parent, with its key and value as spans of the text. The text was validated by
//! serde_json first; the scan still never panics and never recurses deeper than [`MAX_DEPTH`]
//! on any input.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;

use super::flat::{
    ITEM, KEY_ESCAPED, KEY_QUOTED, Kind, NO_PARENT, Node, VALUE_ESCAPED, needs_quotes,
};
use super::load::MAX_DEPTH;

/// Why a scan stopped without rows.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Bail {
    /// The nesting reaches serde_json's recursion limit.
    TooDeep,
    /// An object repeats a key (serde_json keeps the last value at the first key's place).
    DuplicateKey,
    /// The text is not what a valid JSON object looks like.
    Malformed,
    /// The scan treated `payload` as the envelope's, but the document is a bare payload.
    NotEnvelope,
}

/// A finished scan.
pub(crate) struct Scanned {
    pub nodes: Vec<Node>,
    pub is_envelope: bool,
    pub payload_rows: Range<u32>,
}

/// The largest text the spans can address.
pub(crate) const MAX_TEXT: usize = u32::MAX as usize;

/// Flattens the JSON object in `text`. With `envelope`, a top-level `payload` object is taken
/// as the envelope's payload (the scan bails with [`Bail::NotEnvelope`] when the document turns
/// out to be bare). With `check_duplicates`, a repeated key bails with [`Bail::DuplicateKey`].
/// `rows` is how many rows to make room for (the number of values, when known): the rows are
/// then allocated once, never grown or copied.
pub(crate) fn scan(
    text: &str,
    envelope: bool,
    check_duplicates: bool,
    rows: usize,
) -> Result<Scanned, Bail> {
    if text.len() > MAX_TEXT {
        return Err(Bail::Malformed);
    }
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        parent: NO_PARENT,
        key: (0, ITEM, 0),
        nodes: Vec::with_capacity(rows),
        keys: Vec::new(),
        check_duplicates,
    };
    scanner.skip_ws();
    if scanner.peek() != Some(b'{') {
        return Err(Bail::Malformed);
    }
    scanner.pos += 1;
    let root = scanner.root(envelope)?;
    scanner.skip_ws();
    if scanner.pos != scanner.bytes.len() {
        return Err(Bail::Malformed);
    }
    let is_envelope = root.payload_is_object && root.has_meta;
    let payload_rows = match root.payload_rows {
        Some(rows) if is_envelope => rows,
        Some(_) => return Err(Bail::NotEnvelope),
        None => 0..scanner.nodes.len() as u32,
    };
    Ok(Scanned {
        nodes: scanner.nodes,
        is_envelope,
        payload_rows,
    })
}

struct Scanner<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    /// The row of the container being read ([`NO_PARENT`] at the top).
    parent: u32,
    /// The key of the next row: its span and its [`KEY_ESCAPED`] / [`KEY_QUOTED`] flags;
    /// `(index, ITEM, 0)` for an array item.
    key: (u32, u32, u8),
    nodes: Vec<Node>,
    /// The keys of the open objects, for finding repeated keys.
    keys: Vec<KeyMark>,
    check_duplicates: bool,
}

/// What the top level told about the envelope.
struct Root {
    payload_rows: Option<Range<u32>>,
    payload_is_object: bool,
    has_meta: bool,
}

/// Objects with more keys than this look repeated keys up in a hash set.
const LINEAR_KEYS: usize = 16;

impl<'t> Scanner<'t> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// Consumes `byte` after optional whitespace.
    fn expect(&mut self, byte: u8) -> Result<(), Bail> {
        self.skip_ws();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Bail::Malformed)
        }
    }

    /// The top-level object, after its `{`.
    fn root(&mut self, envelope: bool) -> Result<Root, Bail> {
        let mut root = Root {
            payload_rows: None,
            payload_is_object: false,
            has_meta: false,
        };
        let mut seen = KeySet::new(self.keys.len());
        self.members(&mut seen, |scanner, seen, key| {
            let is_payload = key == "payload";
            root.has_meta |= key == "timestamp" || key == "headers";
            scanner.skip_ws();
            let object = scanner.peek() == Some(b'{');
            if is_payload {
                root.payload_is_object = object;
            }
            scanner.check_key(seen, key)?;
            if is_payload && object && envelope {
                // The envelope's payload: its keys are top-level rows with their own paths.
                scanner.pos += 1;
                let start = scanner.nodes.len() as u32;
                scanner.object_body(0, 2)?;
                root.payload_rows = Some(start..scanner.nodes.len() as u32);
            } else {
                scanner.row(0, 1)?;
            }
            Ok(())
        })?;
        self.keys.truncate(seen.mark);
        Ok(root)
    }

    /// Visits the members of an object after its `{` and through its `}`: for each, makes its
    /// key the next row's and calls `member` at its value with the decoded key. Returns the
    /// number of members.
    fn members<F>(&mut self, seen: &mut KeySet, mut member: F) -> Result<u32, Bail>
    where
        F: FnMut(&mut Self, &mut KeySet, &str) -> Result<(), Bail>,
    {
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(0);
        }
        let mut count = 0u32;
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(Bail::Malformed);
            }
            let (start, end, escaped) = self.string()?;
            self.expect(b':')?;
            seen.key_span = (start, end);
            let key = self.decoded(start, end, escaped);
            let flags = if escaped { KEY_ESCAPED } else { 0 }
                | if needs_quotes(&key) { KEY_QUOTED } else { 0 };
            self.key = (start as u32, end as u32, flags);
            member(self, seen, &key)?;
            count = count.saturating_add(1);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(count);
                }
                _ => return Err(Bail::Malformed),
            }
        }
    }

    /// The members of a nested object, as rows at `depth`.
    fn object_body(&mut self, depth: u16, level: usize) -> Result<u32, Bail> {
        let mut seen = KeySet::new(self.keys.len());
        let count = self.members(&mut seen, |scanner, seen, key| {
            scanner.check_key(seen, key)?;
            scanner.row(depth, level).map(|_| ())
        })?;
        self.keys.truncate(seen.mark);
        Ok(count)
    }

    /// Bails when `key` (decoded; its text is `seen.key_span`) was already seen in this object.
    fn check_key(&mut self, seen: &mut KeySet, key: &str) -> Result<(), Bail> {
        if !self.check_duplicates {
            return Ok(());
        }
        let (start, end) = seen.key_span;
        let key = key.as_bytes();
        if let Some(set) = &mut seen.big {
            // A full hash: two different keys with the same one are as good as never seen.
            if !set.insert(fingerprint(key)) {
                return Err(Bail::DuplicateKey);
            }
            return Ok(());
        }
        let print = quick_print(key);
        let mine = self.keys.get(seen.mark..).unwrap_or(&[]);
        for earlier in mine {
            if earlier.print == print {
                let text = self.text.as_bytes();
                let a = text.get(earlier.start as usize..earlier.end as usize);
                let b = text.get(start..end);
                // Equal raw text, or escapes to compare decoded: leave it to serde_json.
                let escapes = |t: Option<&[u8]>| t.is_none_or(|t| t.contains(&b'\\'));
                if a == b || escapes(a) || escapes(b) {
                    return Err(Bail::DuplicateKey);
                }
            }
        }
        if mine.len() >= LINEAR_KEYS {
            let mut set = HashSet::with_capacity(mine.len() * 2);
            for earlier in mine {
                let raw = self.text.get(earlier.start as usize..earlier.end as usize);
                let raw = raw.unwrap_or("");
                if raw.contains('\\') {
                    let quoted = self
                        .text
                        .get(earlier.start as usize - 1..earlier.end as usize + 1);
                    let decoded: String = quoted
                        .and_then(|q| serde_json::from_str(q).ok())
                        .unwrap_or_default();
                    set.insert(fingerprint(decoded.as_bytes()));
                } else {
                    set.insert(fingerprint(raw.as_bytes()));
                }
            }
            set.insert(fingerprint(key));
            seen.big = Some(set);
            self.keys.truncate(seen.mark);
        } else {
            self.keys.push(KeyMark {
                print,
                start: start as u32,
                end: end as u32,
            });
        }
        Ok(())
    }

    /// The key `text[start..end]`, escapes decoded.
    fn decoded(&self, start: usize, end: usize, escaped: bool) -> Cow<'t, str> {
        let text = self.text;
        if escaped {
            let quoted = text.get(start - 1..end + 1).unwrap_or("\"\"");
            if let Ok(key) = serde_json::from_str::<String>(quoted) {
                return Cow::Owned(key);
            }
        }
        Cow::Borrowed(text.get(start..end).unwrap_or(""))
    }

    /// Pushes the row of the value at the current position (and the rows below it), under the
    /// key set by its object or array.
    fn row(&mut self, depth: u16, level: usize) -> Result<Kind, Bail> {
        self.skip_ws();
        let index = self.nodes.len();
        let (key_a, key_b, key_flags) = self.key;
        let mut node = Node {
            parent: self.parent,
            key_a,
            key_b,
            a: 0,
            b: 0,
            end: index as u32 + 1,
            depth,
            kind: Kind::Null,
            flags: key_flags,
        };
        match self.peek() {
            Some(open @ (b'{' | b'[')) => {
                // serde_json refuses the 128th level; let it say so.
                if level + 1 >= MAX_DEPTH {
                    return Err(Bail::TooDeep);
                }
                self.pos += 1;
                node.kind = if open == b'{' {
                    Kind::Object
                } else {
                    Kind::Array
                };
                self.nodes.push(node);
                let child_depth = depth.saturating_add(1);
                let parent = std::mem::replace(&mut self.parent, index as u32);
                let body = if open == b'{' {
                    self.object_body(child_depth, level + 1).map(|c| (c, false))
                } else {
                    self.array_body(child_depth, level + 1)
                };
                self.parent = parent;
                let (count, objects) = body?;
                let end = self.nodes.len() as u32;
                if let Some(node) = self.nodes.get_mut(index) {
                    node.a = count;
                    node.b = u32::from(objects);
                    node.end = end;
                }
                return Ok(node.kind);
            }
            Some(b'"') => {
                let (start, end, escaped) = self.string()?;
                node.kind = Kind::String;
                node.a = start as u32;
                node.b = end as u32;
                if escaped {
                    node.flags |= VALUE_ESCAPED;
                }
            }
            Some(b't') => {
                self.literal(b"true")?;
                node.kind = Kind::Bool;
                node.a = 1;
            }
            Some(b'f') => {
                self.literal(b"false")?;
                node.kind = Kind::Bool;
            }
            Some(b'n') => self.literal(b"null")?,
            Some(_) => {
                let (start, end) = self.number()?;
                node.kind = Kind::Number;
                node.a = start as u32;
                node.b = end as u32;
            }
            None => return Err(Bail::Malformed),
        }
        self.nodes.push(node);
        Ok(node.kind)
    }

    /// The items of an array after its `[` and through its `]`, as rows at `depth`.
    fn array_body(&mut self, depth: u16, level: usize) -> Result<(u32, bool), Bail> {
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok((0, true));
        }
        let (mut count, mut objects) = (0u32, true);
        loop {
            self.key = (count, ITEM, 0);
            objects &= self.row(depth, level)? == Kind::Object;
            count = count.saturating_add(1);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok((count, objects));
                }
                _ => return Err(Bail::Malformed),
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Bail> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(Bail::Malformed)
        }
    }

    /// A string at its opening quote: the span of its content and whether it holds escapes.
    fn string(&mut self) -> Result<(usize, usize, bool), Bail> {
        let start = self.pos + 1;
        let mut at = start;
        let mut escaped = false;
        loop {
            let rest = self.bytes.get(at..).unwrap_or(&[]);
            let Some(offset) = memchr::memchr2(b'"', b'\\', rest) else {
                return Err(Bail::Malformed);
            };
            at += offset;
            if self.bytes.get(at) == Some(&b'"') {
                self.pos = at + 1;
                return Ok((start, at, escaped));
            }
            escaped = true;
            if self.bytes.get(at + 1) == Some(&b'u') {
                let hex = self
                    .text
                    .get(at + 2..at + 6)
                    .and_then(|h| u16::from_str_radix(h, 16).ok());
                // serde_json judged the surrogates when it validated the text.
                if hex.is_none() {
                    return Err(Bail::Malformed);
                }
                at += 6;
            } else {
                at += 2;
            }
        }
    }

    /// A number: its span (serde_json judged its range when it validated the text).
    fn number(&mut self) -> Result<(usize, usize), Bail> {
        let start = self.pos;
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' => {}
                _ => break,
            }
            self.pos += 1;
        }
        let end = self.pos;
        if end == start {
            return Err(Bail::Malformed);
        }
        Ok((start, end))
    }
}

/// A key of an open object.
#[derive(Clone, Copy)]
struct KeyMark {
    /// [`quick_print`] of the decoded key.
    print: u64,
    /// The key's text in the source.
    start: u32,
    end: u32,
}

/// A cheap print of a key: its length and first and last eight bytes.
fn quick_print(key: &[u8]) -> u64 {
    let word = |bytes: &[u8]| {
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        u64::from_le_bytes(word)
    };
    let last = key.get(key.len().saturating_sub(8)..).unwrap_or(&[]);
    (key.len() as u64).rotate_left(56) ^ word(key) ^ word(last).rotate_left(29)
}

/// The keys seen in one object.
struct KeySet {
    /// Where the object's fingerprints start in [`Scanner::keys`].
    mark: usize,
    /// The text of the current key in the source.
    key_span: (usize, usize),
    /// Hashes of the keys, once the object has many.
    big: Option<HashSet<u64>>,
}

impl KeySet {
    fn new(mark: usize) -> Self {
        KeySet {
            mark,
            key_span: (0, 0),
            big: None,
        }
    }
}

/// A 64-bit hash of a key (equal keys, equal prints; a collision only costs a slower load).
fn fingerprint(key: &[u8]) -> u64 {
    let mut hash = key.len() as u64 ^ 0xcbf2_9ce4_8422_2325;
    let mut chunks = key.chunks_exact(8);
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = (hash.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    for &b in chunks.remainder() {
        hash = (hash.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    hash
}
