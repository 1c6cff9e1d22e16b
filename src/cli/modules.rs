//! `survey-console modules`: the platform's modules that local runs load, installed once with
//! npm into the console's data dir (never into the operator's project).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::{Args, Subcommand};
use serde_json::json;

use super::output::{print_json, print_table};
use super::{EXIT_FAILED, EXIT_OK};
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

pub fn run(args: &ModulesArgs) -> u8 {
    let root = modules::default_modules_dir();
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
                print_json(&json!({"dir": root, "modules": list}));
            } else {
                println!("{}", root.display());
                print_table(
                    &["VERSION", "MODULE", "PINNED", "INSTALLED", "ENGINES"],
                    &rows,
                );
            }
            EXIT_OK
        }
        ModulesAction::Install { runtime } => {
            let cancel = Arc::new(AtomicBool::new(false));
            let runtimes = match runtime {
                Some(r) => vec![*r],
                None => vec![Runtime::V1, Runtime::V2],
            };
            for runtime in runtimes {
                let mut progress = |line: &str| eprintln!("{line}");
                if let Err(err) = modules::install(&root, runtime, &mut progress, &cancel) {
                    eprintln!("survey-console modules: {err}");
                    return EXIT_FAILED;
                }
                println!(
                    "{} modules installed in {}",
                    runtime.as_str(),
                    root.join(runtime.as_str()).display()
                );
            }
            EXIT_OK
        }
    }
}
