//! Payload files: loading with limits, flattening to rows, detecting the event and validating
//! against its documented fields. Pure: no GUI, no network.

mod detect;
mod filter;
mod flat;
mod inspect;
mod json;
mod load;
mod rows;
mod scan;
#[cfg(test)]
mod scan_props;
mod schema;

pub use detect::{Detection, EventMatch, detect, detect_among, present_fields};
pub use filter::RowFilter;
pub use inspect::{findings_for, inspect};
pub use load::{
    DEFAULT_SIZE_LIMIT, MAX_DEPTH, Payload, PayloadError, json_kind_name, load_file, parse_bytes,
};
pub use rows::{Counts, Finding, Inspection, Row, RowValue, SHORT_KEY, Section, Severity};
pub use schema::Schema;
