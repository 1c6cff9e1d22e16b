//! `survey-console inspect FILE`: rows and findings of a payload file.
//!
//! Both outputs stream: the table is written row by row after one pass that measures the
//! columns, and `--json` writes each field as it goes, so printing costs no memory per row.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::OrUsage as _;
use super::output::{Out, clip, say, write_row};
use crate::catalog::EventId;
use crate::payload::{DEFAULT_SIZE_LIMIT, Inspection, Row, Section, inspect, load_file};

/// Arguments of `inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The payload file: an envelope {timestamp, headers, payload} or a bare payload.
    pub file: PathBuf,
    /// Check against this event instead of detecting it.
    #[arg(long, value_name = "ID")]
    pub event: Option<EventId>,
    /// Print only the counts.
    #[arg(long)]
    pub summary: bool,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Largest file to read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_SIZE_LIMIT)]
    pub max_bytes: u64,
}

/// Widest value preview in the table, in characters.
const VALUE_WIDTH: usize = 60;

pub fn run(args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let payload = load_file(&args.file, args.max_bytes).or_usage()?;
    let inspection = inspect(&payload, args.event);
    let code = super::verdict(!inspection.has_errors());
    let mut out = Out::stdout();
    if args.json {
        write_json(&mut out, &inspection, !args.summary)?;
        out.finish()?;
        return Ok(code);
    }
    say!(out, "{}", payload.origin)?;
    say!(out, "event: {}", inspection.detection.describe())?;
    say!(
        out,
        "{}: {}",
        if inspection.is_envelope {
            "envelope"
        } else {
            "bare payload"
        },
        inspection.summary()
    )?;
    if !args.summary {
        say!(out)?;
        write_table(&mut out, &inspection)?;
        if !inspection.findings.is_empty() {
            say!(out)?;
            say!(out, "findings:")?;
            for f in &inspection.findings {
                say!(
                    out,
                    "  {:<7}  {}  {}",
                    f.severity.as_str(),
                    f.path,
                    f.message
                )?;
            }
        }
    }
    out.finish()?;
    Ok(code)
}

/// The table's path cell: envelope rows marked, payload rows indented by depth.
fn path_cell(row: &Row<'_>) -> String {
    match row.section() {
        Section::Envelope => format!("(envelope) {}", row.path()),
        Section::Payload => format!(
            "{}{}",
            "  ".repeat(usize::from(row.depth().min(8))),
            row.path()
        ),
    }
}

fn findings_cell(row: &Row<'_>) -> String {
    let findings: Vec<String> = row
        .findings()
        .iter()
        .map(|f| format!("{}: {}", f.severity.as_str(), f.message))
        .collect();
    findings.join("; ")
}

/// The rows as a table: one pass measures the columns, a second writes the rows.
fn write_table(out: &mut impl Write, inspection: &Inspection) -> anyhow::Result<()> {
    const HEADER: [&str; 4] = ["PATH", "TYPE", "VALUE", "FINDINGS"];
    let mut widths: Vec<usize> = HEADER.iter().map(|h| h.len()).collect();
    for row in inspection.rows() {
        widths[0] = widths[0].max(path_cell(&row).chars().count());
        widths[1] = widths[1].max(row.type_name().len());
        // A preview is at most VALUE_WIDTH characters once clipped.
        widths[2] = widths[2].max(
            row.value()
                .preview(VALUE_WIDTH)
                .chars()
                .count()
                .min(VALUE_WIDTH),
        );
    }
    write_row(out, &widths, &mut HEADER.iter().copied())?;
    for row in inspection.rows() {
        let cells = [
            path_cell(&row),
            row.type_name().to_owned(),
            clip(&row.value().preview(VALUE_WIDTH), VALUE_WIDTH),
            findings_cell(&row),
        ];
        write_row(out, &widths, &mut cells.iter().map(String::as_str))?;
    }
    Ok(())
}

/// The inspection as JSON, each finding and field written as it is reached.
fn write_json(out: &mut impl Write, inspection: &Inspection, fields: bool) -> anyhow::Result<()> {
    let io =
        |r: Result<(), std::io::Error>| anyhow::Context::context(r, "writing the output failed");
    let value = |out: &mut dyn Write, v: &serde_json::Value| -> std::io::Result<()> {
        serde_json::to_writer(out, v).map_err(std::io::Error::from)
    };
    let head = json!({
        "event": inspection.event().id(),
        "detection": inspection.detection.describe(),
        "envelope": inspection.is_envelope,
        "counts": inspection.counts(),
    });
    let mut text = serde_json::to_string_pretty(&head).unwrap_or_else(|_| "{}".to_owned());
    // Keep the object open: the findings and fields follow.
    text.truncate(text.trim_end().len().saturating_sub(1));
    let text = text.trim_end();
    io(out.write_all(text.as_bytes()))?;
    io(out.write_all(b",\n  \"findings\": ["))?;
    for (i, f) in inspection.findings.iter().enumerate() {
        io(out.write_all(if i == 0 { b"\n    " } else { b",\n    " }))?;
        let finding = serde_json::to_value(f).unwrap_or_default();
        io(value(out, &finding))?;
    }
    io(out.write_all(if inspection.findings.is_empty() {
        b"]"
    } else {
        b"\n  ]"
    }))?;
    if fields {
        io(out.write_all(b",\n  \"fields\": ["))?;
        let mut any = false;
        for row in inspection.rows() {
            io(out.write_all(if any { b",\n    " } else { b"\n    " }))?;
            any = true;
            let field = json!({
                "path": row.path(),
                "section": match row.section() { Section::Envelope => "envelope", Section::Payload => "payload" },
                "type": row.type_name(),
                "value": row.value().to_json(),
            });
            io(value(out, &field))?;
        }
        io(out.write_all(if any { b"\n  ]" } else { b"]" }))?;
    }
    io(out.write_all(b"\n}\n"))
}
