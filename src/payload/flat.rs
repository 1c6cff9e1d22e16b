//! A payload flattened into rows: paths one after the other in one string, values as spans of
//! the JSON text. Built by [`super::scan`], read by the checks and by [`super::Row`].

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

/// One row of the flattened document.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    /// End of the row's path in [`Flat::paths`]; the path starts where the previous row's ends.
    pub path_end: usize,
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
    /// Strings: the text holds escapes to decode.
    pub escaped: bool,
}

/// A document flattened into rows, in document order.
#[derive(Clone, Default)]
pub(crate) struct Flat {
    /// The JSON text the spans point into.
    pub text: String,
    pub nodes: Vec<Node>,
    /// Every row's path, one after the other.
    pub paths: String,
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

impl Flat {
    /// The path of row `index` (`""` for an index out of range).
    pub fn path(&self, index: usize) -> &str {
        let start = match index.checked_sub(1) {
            Some(prev) => self.nodes.get(prev).map_or(0, |n| n.path_end),
            None => 0,
        };
        let end = self.nodes.get(index).map_or(start, |n| n.path_end);
        self.paths.get(start..end).unwrap_or("")
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

    /// The key of row `index` in its object, whose path is `parent_len` bytes long.
    pub fn key(&self, index: usize, parent_len: usize) -> &str {
        let path = self.path(index);
        let skip = if parent_len > 0 { parent_len + 1 } else { 0 };
        path.get(skip..).unwrap_or("")
    }

    /// True when row `index` belongs to the envelope around the payload.
    pub fn in_envelope(&self, index: usize) -> bool {
        self.is_envelope
            && !(self.payload_rows.start as usize..self.payload_rows.end as usize).contains(&index)
    }
}
