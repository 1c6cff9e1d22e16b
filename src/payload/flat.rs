//! A payload flattened into rows: a tree of nodes over the JSON text, each pointing at its
//! parent, its key and its value as spans of the text. Built by [`super::scan`], read by the
//! checks and by [`super::Row`].
//!
//! Paths are not stored: a row's path is written from its ancestors' keys when asked for. A
//! stored path per row would cost the text of every ancestor key again in every row (a long
//! key above many rows made that quadratic: a 64 MiB payload needed terabytes), while a node
//! costs 28 bytes whatever the keys.
//!
//! A path joins keys with `.` and array items with `[i]`; a key that holds `.`, `[`, `]`, `"`,
//! `\`, a control character or nothing is written quoted, as `["a.b"]`, so that two rows never
//! share a path: `{"a.b":1,"a":{"b":2}}` has the rows `["a.b"]`, `a` and `a.b`.

use std::borrow::Cow;
use std::ops::Range;

/// The JSON type of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Bool,
    Number,
    String,
    Object,
    Array,
}

/// The parent of a top-level row.
pub(crate) const NO_PARENT: u32 = u32::MAX;

/// `key_b` of an array item (its `key_a` is the item's index).
pub(crate) const ITEM: u32 = u32::MAX;

/// `flags`: the string value holds escapes to decode.
pub(crate) const VALUE_ESCAPED: u8 = 1;
/// `flags`: the key holds escapes to decode.
pub(crate) const KEY_ESCAPED: u8 = 2;
/// `flags`: the key is written quoted in paths ([`needs_quotes`], decided once by the scan).
pub(crate) const KEY_QUOTED: u8 = 4;

/// One row of the flattened document.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    /// The row of the object or array this row is in ([`NO_PARENT`] at the top).
    pub parent: u32,
    /// Object members: start of the key's text (after the quote); array items: the index.
    pub key_a: u32,
    /// Object members: end of the key's text (before the quote); array items: [`ITEM`].
    pub key_b: u32,
    /// Scalars: start of the value's text (strings: after the quote); booleans: 1 for true;
    /// containers: number of keys or items.
    pub a: u32,
    /// Scalars: end of the value's text (strings: before the quote); arrays: 1 when every item
    /// is an object.
    pub b: u32,
    /// The index after the row's last descendant.
    pub end: u32,
    /// Nesting depth (0 for top-level fields).
    pub depth: u16,
    pub kind: Kind,
    /// [`VALUE_ESCAPED`], [`KEY_ESCAPED`], [`KEY_QUOTED`].
    pub flags: u8,
}

impl Node {
    /// True when the string value holds escapes to decode.
    pub fn escaped(&self) -> bool {
        self.flags & VALUE_ESCAPED != 0
    }

    /// True when the row is an array item.
    pub fn is_item(&self) -> bool {
        self.key_b == ITEM
    }
}

/// A document flattened into rows, in document order.
#[derive(Clone, Default)]
pub(crate) struct Flat {
    /// The JSON text the spans point into.
    pub text: String,
    pub nodes: Vec<Node>,
    /// True when the document is an envelope `{timestamp, headers, payload}`.
    pub is_envelope: bool,
    /// For an envelope, the rows of the payload (the others are envelope rows); for a bare
    /// payload, every row.
    pub payload_rows: Range<u32>,
}

impl std::fmt::Debug for Flat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flat")
            .field("text_bytes", &self.text.len())
            .field("rows", &self.nodes.len())
            .field("is_envelope", &self.is_envelope)
            .field("payload_rows", &self.payload_rows)
            .finish()
    }
}

/// True when a key must be quoted in a path to stay unambiguous.
pub(crate) fn needs_quotes(key: &str) -> bool {
    key.is_empty()
        || key
            .chars()
            .any(|c| matches!(c, '.' | '[' | ']' | '"' | '\\') || c.is_control())
}

/// Appends one path segment for `key` (`first`: nothing comes before it; `quoted`: the key
/// [`needs_quotes`]).
pub(crate) fn push_key(out: &mut String, key: &str, first: bool, quoted: bool) {
    if quoted {
        out.push('[');
        out.push_str(&serde_json::to_string(key).unwrap_or_else(|_| "\"\"".to_owned()));
        out.push(']');
    } else {
        if !first {
            out.push('.');
        }
        out.push_str(key);
    }
}

/// Appends `[index]`.
pub(crate) fn push_index(out: &mut String, index: u32) {
    use std::fmt::Write as _;
    let _ = write!(out, "[{index}]");
}

impl Flat {
    /// The path of row `index` (`""` for an index out of range).
    pub fn path(&self, index: usize) -> String {
        let mut out = String::new();
        self.write_path(index, &mut out);
        out
    }

    /// Appends the path of row `index` to `out`.
    pub fn write_path(&self, index: usize, out: &mut String) {
        self.write_path_with(index, out, usize::MAX);
    }

    /// Appends the path of row `index` for display: each key longer than `max_key` bytes is
    /// cut there and marked with an ellipsis (a hostile payload's megabyte key stays short).
    pub fn write_short_path(&self, index: usize, out: &mut String, max_key: usize) {
        self.write_path_with(index, out, max_key);
    }

    fn write_path_with(&self, index: usize, out: &mut String, max_key: usize) {
        // The row and its ancestors, innermost first (at most the nesting limit).
        let mut chain: Vec<u32> = Vec::with_capacity(16);
        let mut at = index as u32;
        while let Some(node) = self.nodes.get(at as usize) {
            chain.push(at);
            if node.parent == NO_PARENT || chain.len() > self.nodes.len() {
                break;
            }
            at = node.parent;
        }
        for (i, &row) in chain.iter().rev().enumerate() {
            let Some(node) = self.nodes.get(row as usize) else {
                continue;
            };
            let quoted = node.flags & KEY_QUOTED != 0;
            if node.is_item() {
                push_index(out, node.key_a);
            } else if node.key_b.saturating_sub(node.key_a) as usize > max_key {
                // Cut the key's text (escapes left as written) on a character boundary.
                let raw = self
                    .text
                    .get(node.key_a as usize..node.key_b as usize)
                    .unwrap_or("");
                let mut cut = max_key.min(raw.len());
                while !raw.is_char_boundary(cut) {
                    cut -= 1;
                }
                let mut short = raw[..cut].to_owned();
                short.push('…');
                push_key(out, &short, i == 0, quoted);
            } else {
                push_key(out, &self.raw_key(node), i == 0, quoted);
            }
        }
    }

    /// The decoded key of an object member (`""` for an array item).
    fn raw_key(&self, node: &Node) -> Cow<'_, str> {
        if node.is_item() {
            return Cow::Borrowed("");
        }
        let (a, b) = (node.key_a as usize, node.key_b as usize);
        if node.flags & KEY_ESCAPED != 0 {
            let quoted = self.text.get(a.saturating_sub(1)..b + 1).unwrap_or("\"\"");
            if let Ok(key) = serde_json::from_str::<String>(quoted) {
                return Cow::Owned(key);
            }
        }
        Cow::Borrowed(self.text.get(a..b).unwrap_or(""))
    }

    /// The raw JSON text of a scalar row (strings without quotes, escapes not decoded).
    pub fn raw(&self, node: &Node) -> &str {
        self.text
            .get(node.a as usize..node.b as usize)
            .unwrap_or("")
    }

    /// The rows in `range` one level below its start: each row, then the row after its last
    /// descendant.
    pub fn children(&self, range: Range<usize>) -> impl Iterator<Item = usize> + '_ {
        let mut at = range.start;
        std::iter::from_fn(move || {
            if at >= range.end {
                return None;
            }
            let index = at;
            at = self
                .nodes
                .get(index)
                .map_or(range.end, |n| (n.end as usize).max(index + 1));
            Some(index)
        })
    }

    /// The rows below row `index`.
    pub fn below(&self, index: usize) -> Range<usize> {
        let end = self.nodes.get(index).map_or(index, |n| n.end as usize);
        index + 1..end.max(index + 1)
    }

    /// The key of row `index` in its object, as its path segment names it: the key itself, or
    /// quoted (`["a.b"]`) when it holds a character that paths use, so that it never matches a
    /// documented field by accident. `""` for an array item.
    pub fn key(&self, index: usize) -> Cow<'_, str> {
        let Some(node) = self.nodes.get(index) else {
            return Cow::Borrowed("");
        };
        let key = self.raw_key(node);
        if node.is_item() || node.flags & KEY_QUOTED == 0 {
            return key;
        }
        let mut out = String::new();
        push_key(&mut out, &key, true, true);
        Cow::Owned(out)
    }

    /// True when row `index` belongs to the envelope around the payload.
    pub fn in_envelope(&self, index: usize) -> bool {
        self.is_envelope
            && !(self.payload_rows.start as usize..self.payload_rows.end as usize).contains(&index)
    }
}
