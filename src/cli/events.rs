//! `survey-console events`: the catalog.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::output::{Out, clip, print_json, print_table, say};
use crate::catalog::{ENVELOPE_FIELDS, events};

/// Arguments of `events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &EventsArgs) -> anyhow::Result<ExitCode> {
    let mut out = Out::stdout();
    if args.json {
        let list: Vec<_> = events()
            .iter()
            .map(|e| {
                json!({
                    "id": e.key,
                    "platform_id": e.platform_id,
                    "name": e.name,
                    "source": e.source,
                    "channel": e.channel,
                    "function_limit": e.function_limit,
                    "result": e.result_contract,
                    "on_error": e.on_error,
                    "fields": e.fields.iter().map(|f| json!({
                        "path": f.path,
                        "type": f.ty.as_str(),
                        "description": f.description,
                        "example": f.example,
                        "rule": f.rule.map(|r| r.describe()),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let envelope: Vec<_> = ENVELOPE_FIELDS
            .iter()
            .map(|f| json!({"path": f.path, "type": f.ty.as_str(), "description": f.description}))
            .collect();
        print_json(&mut out, &json!({"events": list, "envelope": envelope}))?;
        out.finish()?;
        return Ok(ExitCode::SUCCESS);
    }
    for (i, e) in events().iter().enumerate() {
        if i > 0 {
            say!(out)?;
        }
        say!(out, "{} ({})", e.name, e.key)?;
        say!(out, "  platform event: {}", e.platform_id)?;
        say!(out, "  source: {}, {}", e.source, e.channel)?;
        say!(out, "  functions per event: {}", e.function_limit)?;
        say!(out, "  result: {}", e.result_contract)?;
        say!(out, "  on error: {}", e.on_error)?;
        say!(out)?;
        let rows: Vec<Vec<String>> = e
            .fields
            .iter()
            .map(|f| {
                let mut description = f.description.to_owned();
                if let Some(rule) = f.rule {
                    description = format!("{description} (rule: {})", rule.describe());
                }
                vec![
                    f.path.to_owned(),
                    f.ty.as_str().to_owned(),
                    clip(&description, 60),
                    clip(f.example, 40),
                ]
            })
            .collect();
        print_table(&mut out, &["PATH", "TYPE", "DESCRIPTION", "EXAMPLE"], &rows)?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
