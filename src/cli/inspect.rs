//! `survey-console inspect FILE`: rows and findings of a payload file.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::output::{clip, print_json, print_table};
use crate::catalog::EventId;
use crate::payload::{DEFAULT_SIZE_LIMIT, Section, inspect, load_file};

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

pub fn run(args: &InspectArgs) -> u8 {
    let payload = match load_file(&args.file, args.max_bytes) {
        Ok(p) => p,
        Err(err) => {
            eprintln!("survey-console inspect: {err}");
            return super::EXIT_USAGE;
        }
    };
    let inspection = inspect(&payload, args.event);
    let code = if inspection.has_errors() {
        super::EXIT_FAILED
    } else {
        super::EXIT_OK
    };
    let counts = inspection.counts();
    if args.json {
        let mut out = json!({
            "event": inspection.event().id(),
            "detection": inspection.detection.describe(),
            "envelope": inspection.is_envelope,
            "counts": counts,
            "findings": inspection.findings,
        });
        if !args.summary {
            out["fields"] = inspection
                .rows()
                .map(|r| {
                    json!({
                        "path": r.path(),
                        "section": match r.section() { Section::Envelope => "envelope", Section::Payload => "payload" },
                        "type": r.type_name(),
                        "value": r.value().to_json(),
                    })
                })
                .collect();
        }
        print_json(&out);
        return code;
    }
    println!("{}", payload.origin);
    println!("event: {}", inspection.detection.describe());
    println!(
        "{}: {}",
        if inspection.is_envelope {
            "envelope"
        } else {
            "bare payload"
        },
        inspection.summary()
    );
    if args.summary {
        return code;
    }
    println!();
    let rows: Vec<Vec<String>> = inspection
        .rows()
        .map(|r| {
            let path = match r.section() {
                Section::Envelope => format!("(envelope) {}", r.path()),
                Section::Payload => {
                    format!("{}{}", "  ".repeat(usize::from(r.depth().min(8))), r.path())
                }
            };
            let findings: Vec<String> = r
                .findings()
                .iter()
                .map(|f| format!("{}: {}", f.severity.as_str(), f.message))
                .collect();
            vec![
                path,
                r.type_name().to_owned(),
                clip(&r.value().preview(60), 60),
                findings.join("; "),
            ]
        })
        .collect();
    print_table(&["PATH", "TYPE", "VALUE", "FINDINGS"], &rows);
    if !inspection.findings.is_empty() {
        println!();
        println!("findings:");
        for f in &inspection.findings {
            println!("  {:<7}  {}  {}", f.severity.as_str(), f.path, f.message);
        }
    }
    code
}
