//! `survey-console functions …`: the one function of each event, in `functions.json`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::output::{print_json, print_table};
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::catalog::EventId;
use crate::functions::{
    Auth, Endpoint, EndpointKind, FunctionConfig, FunctionState, FunctionStore, InvokeBy,
    LivepersonEndpoint, LocalEndpoint, Platform, Region, SecretRef, default_path, parse,
    write_atomic,
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
    #[arg(long, value_parser = ["draft", "deployed"])]
    pub state: Option<String>,
    /// Read the code from this JavaScript file.
    #[arg(long, value_name = "FILE")]
    pub code_file: Option<PathBuf>,
    /// Invocation timeout in milliseconds.
    #[arg(long, value_name = "MS")]
    pub timeout_ms: Option<u64>,
    /// Set an extra header, 'K: V' (repeatable; 'K:' removes it).
    #[arg(long, value_name = "'K: V'")]
    pub header: Vec<String>,
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
    /// LivePerson region: va, lo or sy.
    #[arg(long, value_parser = ["va", "lo", "sy"])]
    pub region: Option<String>,
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

pub fn run(args: FunctionsArgs) -> u8 {
    match execute(args) {
        Ok(code) => code,
        Err((code, message)) => {
            eprintln!("survey-console functions: {message}");
            code
        }
    }
}

type Outcome = Result<u8, (u8, String)>;

fn open(store: &StoreArgs) -> Result<FunctionStore, (u8, String)> {
    let path = store.config.clone().unwrap_or_else(default_path);
    FunctionStore::load(&path).map_err(|e| (EXIT_USAGE, e.to_string()))
}

fn save(store: &mut FunctionStore) -> Result<(), (u8, String)> {
    store.save().map_err(|e| (EXIT_FAILED, e.to_string()))
}

fn execute(args: FunctionsArgs) -> Outcome {
    match args.action {
        FunctionsAction::List(opts) => {
            let store = open(&opts)?;
            if opts.json {
                let list: Vec<_> = EventId::ALL
                    .iter()
                    .map(|e| match store.get(*e) {
                        Some(f) => json!({"event": e.id(), "name": f.name, "state": f.state.as_str(), "endpoint": f.endpoint.kind().as_str(), "target": f.endpoint.describe(), "timeout_ms": f.timeout_ms}),
                        None => json!({"event": e.id(), "name": null}),
                    })
                    .collect();
                print_json(&json!({"config": store.path, "functions": list}));
            } else {
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
                println!("{}", store.path.display());
                print_table(&["EVENT", "FUNCTION", "STATE", "ENDPOINT", "TARGET"], &rows);
            }
            Ok(EXIT_OK)
        }
        FunctionsAction::Show { event, store: opts } => {
            let store = open(&opts)?;
            let Some(config) = store.get(event) else {
                return Err((EXIT_FAILED, format!("{} has no function", event.name())));
            };
            let value = serde_json::to_value(config).unwrap_or_default();
            if opts.json {
                print_json(&json!({"event": event.id(), "function": value}));
            } else {
                println!("{} ({})", event.name(), event.id());
                println!(
                    "name: {}\nstate: {}\nendpoint: {} {}\ntimeout: {} ms",
                    config.name,
                    config.state.as_str(),
                    config.endpoint.kind(),
                    config.endpoint.describe(),
                    config.timeout_ms
                );
                for (field, secret) in config.endpoint.secrets() {
                    println!("{field}: {}", secret.describe());
                }
                for (k, v) in &config.headers {
                    println!("header: {k}: {v}");
                }
                println!("runtime: {}", config.runtime.as_str());
                for (k, v) in &config.environment {
                    println!("env: {k}={v}");
                }
                for domain in &config.allowlist {
                    println!("allow: {domain}");
                }
                for (name, secret) in &config.secrets {
                    println!("secret: {name}: {}", secret.describe());
                }
                if !config.description.is_empty() {
                    println!("description: {}", config.description);
                }
                println!("\n{}", config.code);
            }
            Ok(EXIT_OK)
        }
        FunctionsAction::Create {
            event,
            name,
            store: opts,
        } => {
            let mut store = open(&opts)?;
            let name = name.unwrap_or_else(|| FunctionConfig::suggested_name(event).to_owned());
            store
                .create(event, &name)
                .map_err(|e| (EXIT_FAILED, e.to_string()))?;
            save(&mut store)?;
            println!("created '{name}' for {} from its template", event.name());
            Ok(EXIT_OK)
        }
        FunctionsAction::Set(set) => set_function(*set),
        FunctionsAction::Check { event, store: opts } => {
            let store = open(&opts)?;
            let Some(config) = store.get(event) else {
                return Err((EXIT_FAILED, format!("{} has no function", event.name())));
            };
            let findings = super::local_flags::findings_of(config);
            if opts.json {
                print_json(
                    &json!({"event": event.id(), "runtime": config.runtime, "findings": findings}),
                );
            } else if findings.is_empty() {
                println!("{} ({}): no findings", config.name, config.runtime.as_str());
            } else {
                println!("{} ({}):", config.name, config.runtime.as_str());
                for finding in &findings {
                    println!("  {}", finding.display());
                }
            }
            Ok(if crate::invoke::local::check::has_errors(&findings) {
                EXIT_FAILED
            } else {
                EXIT_OK
            })
        }
        FunctionsAction::Deployed(opts) => deployed(&opts),
        FunctionsAction::Remove { event, store: opts } => {
            let mut store = open(&opts)?;
            let removed = store
                .remove(event)
                .map_err(|e| (EXIT_FAILED, e.to_string()))?;
            save(&mut store)?;
            println!("removed '{}' from {}", removed.name, event.name());
            Ok(EXIT_OK)
        }
        FunctionsAction::Import {
            file,
            replace,
            store: opts,
        } => {
            let bytes = std::fs::read(&file).map_err(|e| {
                (
                    EXIT_USAGE,
                    format!("cannot read the file ({e}): {}", file.display()),
                )
            })?;
            let incoming = parse(&bytes, &file).map_err(|e| (EXIT_USAGE, e.to_string()))?;
            let mut store = open(&opts)?;
            let events = store
                .import(incoming, replace)
                .map_err(|e| (EXIT_FAILED, e.to_string()))?;
            save(&mut store)?;
            let ids: Vec<_> = events.iter().map(|e| e.id()).collect();
            println!("imported {} function(s): {}", ids.len(), ids.join(", "));
            Ok(EXIT_OK)
        }
        FunctionsAction::Export {
            event,
            out,
            store: opts,
        } => {
            let store = open(&opts)?;
            let file = store
                .export(event)
                .map_err(|e| (EXIT_FAILED, e.to_string()))?;
            let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
            text.push('\n');
            match out {
                Some(path) => {
                    write_atomic(&path, text.as_bytes(), false)
                        .map_err(|e| (EXIT_FAILED, e.to_string()))?;
                    eprintln!(
                        "exported {} function(s) to {}",
                        file.functions.len(),
                        path.display()
                    );
                }
                None => print!("{text}"),
            }
            Ok(EXIT_OK)
        }
    }
}

fn secret_arg(value: &str, flag: &str) -> Result<SecretRef, (u8, String)> {
    let secret = SecretRef(value.trim().to_owned());
    if secret.is_plain() {
        return Err((
            EXIT_USAGE,
            format!(
                "{flag} takes env:NAME (the secret is read from that variable when used); plain secrets are not stored"
            ),
        ));
    }
    Ok(secret)
}

fn set_function(args: SetArgs) -> Outcome {
    let mut store = open(&args.store)?;
    let event = args.event;
    let mut config = store.get(event).cloned().unwrap_or_else(|| {
        FunctionConfig::from_template(
            event,
            args.name
                .as_deref()
                .unwrap_or(FunctionConfig::suggested_name(event)),
        )
    });
    if let Some(name) = args.name {
        config.name = name;
    }
    if let Some(d) = args.description {
        config.description = d;
    }
    if let Some(state) = args.state {
        config.state = if state == "deployed" {
            FunctionState::Deployed
        } else {
            FunctionState::Draft
        };
    }
    if let Some(file) = &args.code_file {
        config.code = std::fs::read_to_string(file).map_err(|e| {
            (
                EXIT_USAGE,
                format!("cannot read the code ({e}): {}", file.display()),
            )
        })?;
    }
    if let Some(ms) = args.timeout_ms {
        config.timeout_ms = ms;
    }
    for header in &args.header {
        let Some((k, v)) = header.split_once(':') else {
            return Err((
                EXIT_USAGE,
                format!("--header takes 'Name: value', not '{header}'"),
            ));
        };
        let (k, v) = (k.trim().to_owned(), v.trim().to_owned());
        if v.is_empty() {
            config.headers.remove(&k);
        } else {
            config.headers.insert(k, v);
        }
    }
    let kind = args.endpoint.or(match (&args.url, &args.account_id) {
        (None, None)
            if args.csds_url.is_some()
                || args.platform.is_some()
                || args.invoke.is_some()
                || args.retries.is_some() =>
        {
            Some(EndpointKind::Liveperson)
        }
        (Some(_), _) => Some(EndpointKind::Http),
        (None, Some(_)) => Some(EndpointKind::Liveperson),
        _ => None,
    });
    match kind {
        Some(EndpointKind::Local) if !matches!(config.endpoint, Endpoint::Local(_)) => {
            config.endpoint = Endpoint::Local(LocalEndpoint::default());
        }
        Some(EndpointKind::Http) => {
            let (mut url, mut auth) = match &config.endpoint {
                Endpoint::Http { url, auth } => (url.clone(), auth.clone()),
                _ => (String::new(), Auth::None),
            };
            if let Some(u) = &args.url {
                url = u.clone();
            }
            let auth_kind = args.auth.or(if args.token.is_some() {
                Some(AuthKind::Bearer)
            } else if args.user.is_some() {
                Some(AuthKind::Basic)
            } else {
                None
            });
            match auth_kind {
                Some(AuthKind::None) => auth = Auth::None,
                Some(AuthKind::Bearer) => {
                    auth = Auth::Bearer {
                        token: secret_arg(args.token.as_deref().unwrap_or(""), "--token")?,
                    }
                }
                Some(AuthKind::Basic) => {
                    auth = Auth::Basic {
                        user: args.user.clone().unwrap_or_default(),
                        password: secret_arg(args.password.as_deref().unwrap_or(""), "--password")?,
                    }
                }
                None => {}
            }
            config.endpoint = Endpoint::Http { url, auth };
        }
        Some(EndpointKind::Liveperson) => {
            let mut lp = match &config.endpoint {
                Endpoint::Liveperson(lp) => lp.clone(),
                _ => LivepersonEndpoint::default(),
            };
            if let Some(v) = &args.account_id {
                lp.account_id = v.clone();
            }
            if let Some(v) = &args.lambda_uuid {
                lp.lambda_uuid = v.clone();
            }
            if let Some(v) = &args.region {
                lp.region = Region::ALL.into_iter().find(|r| r.as_str() == v);
            }
            if let Some(v) = &args.gateway_url {
                lp.gateway_url = Some(v.clone());
            }
            if let Some(v) = &args.sentinel_url {
                lp.sentinel_url = Some(v.clone());
            }
            if let Some(v) = &args.csds_url {
                lp.csds_url = Some(v.clone()).filter(|v| !v.trim().is_empty());
            }
            if let Some(v) = args.platform {
                lp.platform = v;
            }
            if let Some(v) = args.invoke {
                lp.invoke = v;
            }
            if let Some(v) = args.retries {
                lp.retries = v;
            }
            if let Some(v) = &args.skill_id {
                lp.skill_id = Some(v.clone()).filter(|v| !v.trim().is_empty());
            }
            if let Some(v) = &args.external_system {
                lp.external_system = Some(v.clone()).filter(|v| !v.trim().is_empty());
            }
            if let Some(v) = &args.client_id {
                lp.client_id = v.clone();
            }
            if let Some(v) = &args.client_secret {
                lp.client_secret = secret_arg(v, "--client-secret")?;
            }
            config.endpoint = Endpoint::Liveperson(lp);
        }
        // A local endpoint stays as it is; `--endpoint` offers no ad-hoc URL.
        Some(EndpointKind::Local | EndpointKind::Url) => {}
        None => {}
    }
    args.local
        .apply(event, &mut config)
        .map_err(|e| (EXIT_USAGE, e))?;
    if args.code_file.is_some() || args.local.runtime.is_some() {
        let findings = super::local_flags::findings_of(&config);
        super::local_flags::print_findings(
            &format!(
                "the code of {} as the platform's editor sees it",
                config.name
            ),
            &findings,
        );
        if crate::invoke::local::check::has_errors(&findings) && !args.local.force {
            return Err((
                EXIT_FAILED,
                "not saved: the code has errors the platform would refuse (fix them, or pass --force to save anyway)"
                    .to_owned(),
            ));
        }
    }
    store
        .put(event, config)
        .map_err(|e| (EXIT_USAGE, e.to_string()))?;
    save(&mut store)?;
    if args.store.json {
        let value = serde_json::to_value(store.get(event)).unwrap_or_default();
        print_json(&json!({"event": event.id(), "function": value}));
    } else {
        println!(
            "saved the function of {} to {}",
            event.name(),
            store.path.display()
        );
    }
    Ok(EXIT_OK)
}

/// `functions deployed`: isImplemented for each event with a LivePerson function.
fn deployed(opts: &StoreArgs) -> Result<u8, (u8, String)> {
    let store = open(opts)?;
    let secrets = crate::invoke::SessionSecrets::default();
    let mut rows = Vec::new();
    let mut json_rows = Vec::new();
    let mut failed = false;
    for event in EventId::ALL {
        let spec = event.spec();
        let Some(config) = store.get(event) else {
            continue;
        };
        if !matches!(config.endpoint, Endpoint::Liveperson(_)) {
            continue;
        }
        let target = crate::invoke::Target::from_config(event, config);
        match crate::invoke::is_implemented(&target, &secrets) {
            Ok(implemented) => {
                rows.push(vec![
                    event.id().to_owned(),
                    spec.platform_id.to_owned(),
                    if implemented { "yes" } else { "no" }.to_owned(),
                    String::new(),
                ]);
                json_rows.push(json!({"event": event.id(), "platform_id": spec.platform_id, "implemented": implemented, "error": null}));
            }
            Err(error) => {
                failed = true;
                rows.push(vec![
                    event.id().to_owned(),
                    spec.platform_id.to_owned(),
                    "?".to_owned(),
                    format!("{} ({}): {}", error.kind, error.code, error.message),
                ]);
                json_rows.push(json!({"event": event.id(), "platform_id": spec.platform_id, "implemented": null, "error": error}));
            }
        }
    }
    if opts.json {
        print_json(&json!({"events": json_rows}));
    } else if rows.is_empty() {
        println!(
            "no event has a LivePerson function in {}",
            store.path.display()
        );
    } else {
        print_table(&["event", "platform id", "deployed", "error"], &rows);
    }
    Ok(if failed { EXIT_FAILED } else { EXIT_OK })
}
