//! `survey-console functions …`: the one function of each event, in `functions.json`.
//!
//! Every change holds the file's lock from reading it to writing it, so CLIs run at the same
//! time (or beside the console) apply their changes one after the other and none is lost.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::OrUsage as _;
use super::args::{HeaderArg, parse_header};
use super::output::{Out, print_json, print_table, say};
use crate::catalog::EventId;
use crate::files::{FUNCTIONS_LIMIT, read_bounded, write_atomic};
use crate::functions::{
    EndpointKind, FunctionConfig, FunctionState, FunctionStore, InvokeBy, MAX_TIMEOUT_MS, Platform,
    Region, StoreError, default_path, parse,
};

/// Arguments of `functions`.
#[derive(Debug, Args)]
pub struct FunctionsArgs {
    #[command(subcommand)]
    pub action: FunctionsAction,
}

/// Options every `functions` action takes.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// The functions file (default: functions.json in the config dir).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

impl StoreArgs {
    fn path(&self) -> PathBuf {
        self.config.clone().unwrap_or_else(default_path)
    }
}

/// What to do with the functions.
#[derive(Debug, Subcommand)]
pub enum FunctionsAction {
    /// List each event's function.
    List(StoreArgs),
    /// Show one function in full.
    Show {
        /// The event id.
        event: EventId,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Create an event's function from its template (refused when it has one).
    Create {
        /// The event id.
        event: EventId,
        /// The function's name (default: a name for the event).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Change an event's function (creating it from the template when it has none).
    Set(Box<SetArgs>),
    /// Check an event's function as the platform's editor does on save (syntax, lambda, eval,
    /// length, callback, modules); exit 1 when there are errors.
    Check {
        /// The event id.
        event: EventId,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove an event's function.
    Remove {
        /// The event id.
        event: EventId,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Import the functions of another file (an event that has a function is refused unless
    /// --replace).
    Import {
        /// A functions file.
        file: PathBuf,
        /// Replace existing functions.
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Ask LivePerson, for each event with a LivePerson function, whether the platform has a
    /// function deployed for it (`…/events/{event}/isImplemented`).
    Deployed(StoreArgs),
    /// Export one function or all as a functions file (to stdout, or --out).
    Export {
        /// The event id (all when omitted).
        event: Option<EventId>,
        /// Write to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Auth kinds for `set --auth`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AuthKind {
    None,
    Bearer,
    Basic,
}

/// Arguments of `functions set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The event id.
    pub event: EventId,
    #[command(flatten)]
    pub store: StoreArgs,
    /// The function's name.
    #[arg(long)]
    pub name: Option<String>,
    /// What it does.
    #[arg(long)]
    pub description: Option<String>,
    /// draft or deployed.
    #[arg(long, value_enum)]
    pub state: Option<FunctionState>,
    /// Read the code from this JavaScript file.
    #[arg(long, value_name = "FILE")]
    pub code_file: Option<PathBuf>,
    /// Invocation timeout in milliseconds.
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_MS))]
    pub timeout_ms: Option<u64>,
    /// Set an extra header, 'K: V' (repeatable; 'K:' removes it). Secret values are written
    /// 'K: env:NAME' and read from the environment when sending.
    #[arg(long, value_name = "'K: V'", value_parser = parse_header)]
    pub header: Vec<HeaderArg>,
    /// The endpoint kind.
    #[arg(long, value_enum)]
    pub endpoint: Option<EndpointKind>,
    /// URL of an http endpoint.
    #[arg(long)]
    pub url: Option<String>,
    /// Auth of an http endpoint.
    #[arg(long, value_enum)]
    pub auth: Option<AuthKind>,
    /// Bearer token reference (env:NAME).
    #[arg(long, value_name = "env:NAME")]
    pub token: Option<String>,
    /// Basic auth user.
    #[arg(long)]
    pub user: Option<String>,
    /// Basic auth password reference (env:NAME).
    #[arg(long, value_name = "env:NAME")]
    pub password: Option<String>,
    /// LivePerson account id.
    #[arg(long)]
    pub account_id: Option<String>,
    /// LivePerson lambda UUID.
    #[arg(long)]
    pub lambda_uuid: Option<String>,
    /// LivePerson region.
    #[arg(long, value_enum)]
    pub region: Option<Region>,
    /// LivePerson gateway base URL (instead of a region).
    #[arg(long)]
    pub gateway_url: Option<String>,
    /// LivePerson sentinel base URL (instead of a region).
    #[arg(long)]
    pub sentinel_url: Option<String>,
    /// CSDS base URL that lists the account's hosts (instead of LivePerson's own).
    #[arg(long)]
    pub csds_url: Option<String>,
    /// LivePerson platform generation: auto (from the gateway's domain), v1 or v2.
    #[arg(long, value_enum)]
    pub platform: Option<Platform>,
    /// Invoke by lambda UUID or by event (as the event source does).
    #[arg(long, value_enum)]
    pub invoke: Option<InvokeBy>,
    /// Retries on resets, timeouts and 5xx, 0 to 10 (LivePerson's client makes 3).
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// The skillId query parameter ('' removes it).
    #[arg(long)]
    pub skill_id: Option<String>,
    /// The externalSystem / LP-EventSource (default survey-console; '' resets it).
    #[arg(long)]
    pub external_system: Option<String>,
    /// LivePerson client id.
    #[arg(long)]
    pub client_id: Option<String>,
    /// LivePerson client secret reference (env:NAME).
    #[arg(long, value_name = "env:NAME")]
    pub client_secret: Option<String>,
    #[command(flatten)]
    pub local: super::local_flags::SetPlatformFlags,
}

pub fn run(args: FunctionsArgs) -> anyhow::Result<ExitCode> {
    let mut out = Out::stdout();
    match args.action {
        FunctionsAction::List(opts) => {
            let store = open(&opts)?;
            list(&mut out, &store, opts.json)?;
        }
        FunctionsAction::Show { event, store: opts } => {
            let store = open(&opts)?;
            let Some(config) = store.get(event) else {
                anyhow::bail!(
                    "{} has no function in {}",
                    event.name(),
                    store.path.display()
                );
            };
            show(&mut out, event, config, opts.json)?;
        }
        FunctionsAction::Create {
            event,
            name,
            store: opts,
        } => {
            let name = name.unwrap_or_else(|| FunctionConfig::suggested_name(event).to_owned());
            FunctionStore::update(&opts.path(), |store| {
                store.create(event, &name).map(|_| true)
            })
            .map_err(store_error)?;
            say!(
                out,
                "created '{name}' for {} from its template",
                event.name()
            )?;
        }
        FunctionsAction::Set(set) => set_function(&mut out, *set)?,
        FunctionsAction::Deployed(opts) => {
            let passed = super::functions_deployed::deployed(&mut out, &opts)?;
            out.finish()?;
            return Ok(super::verdict(passed));
        }
        FunctionsAction::Check { event, store: opts } => {
            let store = open(&opts)?;
            let Some(config) = store.get(event) else {
                anyhow::bail!(
                    "{} has no function in {}",
                    event.name(),
                    store.path.display()
                );
            };
            let passed = super::local_flags::check(&mut out, event, config, opts.json)?;
            out.finish()?;
            return Ok(super::verdict(passed));
        }
        FunctionsAction::Remove { event, store: opts } => {
            let (removed, _) = FunctionStore::update(&opts.path(), |store| store.remove(event))
                .map_err(store_error)?;
            say!(out, "removed '{}' from {}", removed.name, event.name())?;
        }
        FunctionsAction::Import {
            file,
            replace,
            store: opts,
        } => {
            let bytes = read_bounded(&file, FUNCTIONS_LIMIT).or_usage()?;
            let incoming = parse(&bytes, &file).or_usage()?;
            let (events, _) =
                FunctionStore::update(&opts.path(), |store| store.import(incoming, replace))
                    .map_err(store_error)?;
            let ids: Vec<_> = events.iter().map(|e| e.id()).collect();
            say!(
                out,
                "imported {} function(s): {}",
                ids.len(),
                ids.join(", ")
            )?;
        }
        FunctionsAction::Export {
            event,
            out: to,
            store: opts,
        } => {
            let store = open(&opts)?;
            let file = store.export(event)?;
            let mut text = serde_json::to_string_pretty(&file)?;
            text.push('\n');
            match to {
                Some(path) => {
                    write_atomic(&path, text.as_bytes(), false)?;
                    super::output::warn(format_args!(
                        "exported {} function(s) to {}",
                        file.functions.len(),
                        path.display()
                    ));
                }
                None => {
                    anyhow::Context::context(
                        out.write_all(text.as_bytes()),
                        "writing the output failed",
                    )?;
                }
            }
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// The store of the arguments; a file that cannot be read or is not valid is a usage error.
pub(super) fn open(store: &StoreArgs) -> anyhow::Result<FunctionStore> {
    FunctionStore::load(&store.path()).or_usage()
}

fn list(out: &mut impl Write, store: &FunctionStore, json: bool) -> anyhow::Result<()> {
    if json {
        let list: Vec<_> = EventId::ALL
            .iter()
            .map(|e| match store.get(*e) {
                Some(f) => json!({"event": e.id(), "name": f.name, "state": f.state.as_str(), "endpoint": f.endpoint.kind().as_str(), "target": f.endpoint.describe(), "timeout_ms": f.timeout_ms}),
                None => json!({"event": e.id(), "name": null}),
            })
            .collect();
        return print_json(out, &json!({"config": store.path, "functions": list}));
    }
    let rows: Vec<Vec<String>> = EventId::ALL
        .iter()
        .map(|e| match store.get(*e) {
            Some(f) => vec![
                e.id().to_owned(),
                f.name.clone(),
                f.state.as_str().to_owned(),
                f.endpoint.kind().to_string(),
                f.endpoint.describe(),
            ],
            None => vec![
                e.id().to_owned(),
                "(none)".into(),
                String::new(),
                String::new(),
                String::new(),
            ],
        })
        .collect();
    say!(out, "{}", store.path.display())?;
    print_table(
        out,
        &["EVENT", "FUNCTION", "STATE", "ENDPOINT", "TARGET"],
        &rows,
    )
}

fn show(
    out: &mut impl Write,
    event: EventId,
    config: &FunctionConfig,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        let value = serde_json::to_value(config)?;
        return print_json(out, &json!({"event": event.id(), "function": value}));
    }
    say!(out, "{} ({})", event.name(), event.id())?;
    say!(
        out,
        "name: {}\nstate: {}\nendpoint: {} {}\ntimeout: {} ms",
        config.name,
        config.state.as_str(),
        config.endpoint.kind(),
        config.endpoint.describe(),
        config.timeout_ms
    )?;
    for (field, secret) in config.endpoint.secrets() {
        say!(out, "{field}: {}", secret.describe())?;
    }
    for (k, v) in &config.headers {
        say!(out, "header: {k}: {v}")?;
    }
    say!(out, "runtime: {}", config.runtime.as_str())?;
    for (k, v) in &config.environment {
        say!(out, "env: {k}={v}")?;
    }
    for domain in &config.allowlist {
        say!(out, "allow: {domain}")?;
    }
    for (name, secret) in &config.secrets {
        say!(out, "secret: {name}: {}", secret.describe())?;
    }
    if !config.description.is_empty() {
        say!(out, "description: {}", config.description)?;
    }
    say!(out, "\n{}", config.code)
}

/// A store error as the CLI reports it: a bad file or a refused setting is a usage error.
fn store_error(err: StoreError) -> anyhow::Error {
    if err.is_bad_input() {
        super::Usage(err.into()).into()
    } else {
        err.into()
    }
}

fn set_function(out: &mut impl Write, args: SetArgs) -> anyhow::Result<()> {
    let event = args.event;
    let code = match &args.code_file {
        Some(file) => Some(crate::files::read_text(file, crate::files::CODE_LIMIT).or_usage()?),
        None => None,
    };
    // Read, change and write under the file's lock, so that a concurrent change is kept.
    let mut refused = None;
    let mut findings = None;
    let result = FunctionStore::update(&args.store.path(), |store| {
        let config = match super::functions_set::apply(&args, code.as_deref(), store.get(event)) {
            Ok(config) => config,
            Err(e) => {
                refused = Some(e);
                return Ok(false);
            }
        };
        // New code (or a new platform version) is checked as the platform's editor checks it.
        if args.code_file.is_some() || args.local.runtime.is_some() {
            let found = super::local_flags::findings_of(&config);
            let errors = crate::invoke::local::check::has_errors(&found);
            findings = Some((config.name.clone(), found));
            if errors && !args.local.force {
                refused = Some(anyhow::anyhow!(
                    "not saved: the code has errors the platform would refuse (fix them, or pass --force to save anyway)"
                ));
                return Ok(false);
            }
        }
        store.put(event, config).map(|()| true)
    });
    if let Some((name, found)) = &findings {
        super::local_flags::print_findings(
            &format!("the code of {name} as the platform's editor sees it"),
            found,
        );
    }
    if let Some(e) = refused {
        return Err(e);
    }
    let (_, store) = result.map_err(store_error)?;
    if args.store.json {
        let value = serde_json::to_value(store.get(event))?;
        print_json(out, &json!({"event": event.id(), "function": value}))
    } else {
        say!(
            out,
            "saved the function of {} to {}",
            event.name(),
            store.path.display()
        )
    }
}
