//! `survey-console modules`: the platform's modules that local runs load, installed once with
//! npm into the console's data dir (never into the operator's project).

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::{Args, Subcommand};
use serde_json::json;

use super::output::{Out, print_json, print_table, say, warn};
use crate::functions::Runtime;
use crate::invoke::local::modules;

/// Arguments of `modules`.
#[derive(Debug, Args)]
pub struct ModulesArgs {
    #[command(subcommand)]
    pub action: ModulesAction,
}

/// What to do with the modules.
#[derive(Debug, Subcommand)]
pub enum ModulesAction {
    /// List each module with its pinned and its installed version.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Install the modules (both platform versions, or one) with npm.
    Install {
        /// Only this platform version's modules.
        #[arg(long, value_enum, value_name = "VERSION")]
        runtime: Option<Runtime>,
    },
}

pub fn run(args: &ModulesArgs) -> anyhow::Result<ExitCode> {
    let root = modules::default_modules_dir();
    let mut out = Out::stdout();
    match &args.action {
        ModulesAction::Status { json } => {
            let mut rows = Vec::new();
            let mut list = Vec::new();
            for runtime in [Runtime::V1, Runtime::V2] {
                for m in modules::platform_modules(runtime) {
                    let installed = modules::installed_version(&root, runtime, m.name);
                    let engines = if m.plain_js { "quickjs, node" } else { "node" };
                    rows.push(vec![
                        runtime.as_str().to_owned(),
                        m.name.to_owned(),
                        m.version.to_owned(),
                        installed.clone().unwrap_or_else(|| "-".to_owned()),
                        engines.to_owned(),
                    ]);
                    list.push(json!({"runtime": runtime, "name": m.name, "version": m.version, "installed": installed, "quickjs": m.plain_js}));
                }
            }
            if *json {
                print_json(&mut out, &json!({"dir": root, "modules": list}))?;
            } else {
                say!(out, "{}", root.display())?;
                print_table(
                    &mut out,
                    &["VERSION", "MODULE", "PINNED", "INSTALLED", "ENGINES"],
                    &rows,
                )?;
            }
        }
        ModulesAction::Install { runtime } => {
            let cancel = Arc::new(AtomicBool::new(false));
            let runtimes = match runtime {
                Some(r) => vec![*r],
                None => vec![Runtime::V1, Runtime::V2],
            };
            for runtime in runtimes {
                let mut progress = |line: &str| warn(line);
                modules::install(&root, runtime, &mut progress, &cancel)?;
                say!(
                    out,
                    "{} modules installed in {}",
                    runtime.as_str(),
                    root.join(runtime.as_str()).display()
                )?;
                // Each installed version is told as it is done.
                out.flush()?;
            }
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
