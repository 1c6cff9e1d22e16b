//! Finding the rows an operator filters for: by path or value text, case-insensitively, without
//! allocating per row, so a million rows filter between two keystrokes.

use super::rows::{Inspection, Row, RowValue};

/// What the Payload table shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowFilter {
    /// Text to find in the path or the value (case-insensitive); empty matches every row.
    pub text: String,
    /// Only rows that have findings.
    pub only_findings: bool,
}

impl Inspection {
    /// The indices of the rows that pass `filter`, in document order.
    pub fn matching_rows(&self, filter: &RowFilter) -> Vec<u32> {
        let needle = filter.text.to_lowercase();
        // One buffer for every row's path.
        let mut path = String::new();
        self.rows()
            .filter(|r| !filter.only_findings || !r.findings().is_empty())
            .filter(|r| needle.is_empty() || row_matches(r, &needle, &mut path))
            .map(|r| r.index() as u32)
            .collect()
    }
}

fn row_matches(row: &Row<'_>, needle: &str, path: &mut String) -> bool {
    path.clear();
    // The path as shown: a hostile megabyte key is matched on what the table shows of it.
    row.write_short_path(path);
    if contains_ignore_case(path, needle) {
        return true;
    }
    match row.value() {
        RowValue::String(s) => contains_ignore_case(&s, needle),
        RowValue::Number(text) => contains_ignore_case(text, needle),
        RowValue::Bool(b) => contains_ignore_case(if b { "true" } else { "false" }, needle),
        RowValue::Null => contains_ignore_case("null", needle),
        container => contains_ignore_case(&container.preview(0), needle),
    }
}

/// True when `haystack` contains `needle_lower` (already lowercase), ignoring case. ASCII is
/// compared in place; other text is lowered first.
fn contains_ignore_case(haystack: &str, needle_lower: &str) -> bool {
    if needle_lower.is_ascii() {
        let (hay, needle) = (haystack.as_bytes(), needle_lower.as_bytes());
        if needle.len() > hay.len() {
            return false;
        }
        hay.windows(needle.len()).any(|w| {
            w.iter()
                .zip(needle)
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
        })
    } else {
        haystack.to_lowercase().contains(needle_lower)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::samples::sample;
    use crate::payload::{inspect, parse_bytes};

    fn paths(inspection: &Inspection, filter: &RowFilter) -> Vec<String> {
        inspection
            .matching_rows(filter)
            .into_iter()
            .filter_map(|i| inspection.row(i as usize).map(|r| r.path()))
            .collect()
    }

    #[test]
    fn rows_match_by_path_or_value_ignoring_case() {
        let s = sample("invalid-transcript-wrong-types.json").unwrap();
        let payload = parse_bytes(s.contents.as_bytes(), s.file_name).unwrap();
        let inspection = inspect(&payload, None);
        let by = |text: &str, only_findings| {
            paths(
                &inspection,
                &RowFilter {
                    text: text.into(),
                    only_findings,
                },
            )
        };
        assert_eq!(by("SKILL", false), ["skillName"]);
        assert_eq!(by("john doe", false), ["agentName"]);
        assert_eq!(by("42", false), ["skillName"]);
        assert_eq!(by("below", false), ["questionWithAnswers[0].answer[1]"]);
        assert_eq!(by("2 items", false), ["questionWithAnswers[0].answer"]);
        assert_eq!(
            by("", true),
            ["csatRank", "skillName", "questionWithAnswers[0].answer"]
        );
        assert_eq!(by("", false).len(), inspection.row_count());
        assert!(by("nothing like this", false).is_empty());
    }

    #[test]
    fn non_ascii_text_matches_too() {
        let payload = parse_bytes(
            r#"{"skillName": "Kundendienst Österreich"}"#.as_bytes(),
            "x",
        )
        .unwrap();
        let inspection = inspect(&payload, None);
        let filter = RowFilter {
            text: "ÖSTERREICH".into(),
            only_findings: false,
        };
        assert_eq!(paths(&inspection, &filter), ["skillName"]);
    }
}
