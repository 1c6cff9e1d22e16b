//! The flags of local runs: how `invoke`/`batch` run code in-process (`--code`, `--engine`,
//! `--runtime`, `--env`, `--secret`, `--allow`, `--fixtures`), how `functions set` changes a
//! function's platform settings, and the save-time checks `functions set` and `functions check`
//! print.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;

use super::output::{print_json, say, warn};
use super::usage;
use crate::functions::{Endpoint, FunctionConfig, LocalEndpoint, LocalEngine, Runtime, SecretRef};
use crate::invoke::Target;
use crate::invoke::local::check::{self, Finding};
use crate::invoke::local::modules;

/// How `invoke` and `batch` run code in-process.
#[derive(Debug, Args, Clone, Default)]
pub struct RunFlags {
    /// Run this JavaScript file in-process, as the platform would, instead of the configured
    /// function.
    #[arg(long, value_name = "FILE.js", conflicts_with = "url")]
    pub code: Option<PathBuf>,
    /// The engine for in-process runs: quickjs (embedded, the default) or node (Node.js).
    #[arg(long, value_enum, value_name = "ENGINE")]
    pub engine: Option<LocalEngine>,
    /// The platform version of the code: v1 (callback, the default) or v2 (async, returns).
    #[arg(long, value_enum, value_name = "VERSION")]
    pub runtime: Option<Runtime>,
    /// An environment variable of the function, NAME=VALUE (repeatable; process.env.NAME).
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    /// A secret the toolbelt's SecretClient reads, NAME=env:VARIABLE (repeatable).
    #[arg(long = "secret", value_name = "NAME=env:VAR", value_parser = parse_run_secret)]
    pub secret: Vec<(String, SecretRef)>,
    /// A domain HTTPClient and fetch may call (repeatable; the function's allowlist).
    #[arg(long = "allow", value_name = "DOMAIN")]
    pub allow: Vec<String>,
    /// The toolbelt's fixtures file (default: NAME.fixtures.json beside the code, or
    /// EVENT.fixtures.json beside the functions file).
    #[arg(long, value_name = "FILE")]
    pub fixtures: Option<PathBuf>,
}

impl RunFlags {
    /// True when any flag is about an in-process run.
    fn any_local(&self) -> bool {
        self.engine.is_some()
            || self.runtime.is_some()
            || !self.env.is_empty()
            || !self.secret.is_empty()
            || !self.allow.is_empty()
            || self.fixtures.is_some()
    }

    /// Applies the flags to a resolved target; the error is a usage error (exit 2).
    pub fn apply(&self, target: &mut Target, config: Option<&Path>) -> anyhow::Result<()> {
        let local = matches!(target.endpoint, Endpoint::Local(_));
        if !local {
            if self.any_local() {
                return Err(usage(
                    "--engine, --runtime, --env, --secret, --allow and --fixtures are for in-process runs: use --code or a function with a local endpoint",
                ));
            }
            return Ok(());
        }
        if let (Some(engine), Endpoint::Local(endpoint)) = (self.engine, &mut target.endpoint) {
            *endpoint = LocalEndpoint { engine };
        }
        if let Some(runtime) = self.runtime {
            target.local.runtime = runtime;
        }
        target.local.environment.extend(self.env.iter().cloned());
        target.local.secrets.extend(self.secret.iter().cloned());
        for domain in &self.allow {
            crate::functions::check_domain(domain).map_err(|e| usage(format!("--allow {e}")))?;
            target.local.allowlist.push(domain.clone());
        }
        target.local.fixtures_file = self.fixtures.clone().or_else(|| {
            let beside = match &self.code {
                Some(code) => code.with_extension("fixtures.json"),
                None => {
                    let config =
                        config.map_or_else(crate::functions::default_path, Path::to_path_buf);
                    config.with_file_name(format!("{}.fixtures.json", target.event.id()))
                }
            };
            Some(beside)
        });
        Ok(())
    }

    /// Installs the modules the target's code names before it runs (progress on stderr).
    pub fn prepare_modules(target: &Target, cancel: &Arc<AtomicBool>) {
        if !matches!(target.endpoint, Endpoint::Local(_)) {
            return;
        }
        let root = target
            .local
            .modules_dir
            .clone()
            .unwrap_or_else(modules::default_modules_dir);
        let mut progress = |line: &str| warn(format_args!("modules: {line}"));
        // A failure is reported by the run itself, in its record.
        let _ = modules::ensure_for(
            &target.code,
            target.local.runtime,
            &root,
            &mut progress,
            cancel,
        );
    }
}

/// The value parser of `--env`: NAME=VALUE (an empty value is kept: `functions set` takes it
/// as "remove the variable").
fn parse_env(pair: &str) -> Result<(String, String), String> {
    match pair.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("--env takes NAME=VALUE, not '{pair}'")),
    }
}

/// The value parser of the `--secret` of local runs: NAME=env:VARIABLE, never a plain value.
fn parse_run_secret(pair: &str) -> Result<(String, SecretRef), String> {
    let shape = || {
        format!(
            "--secret takes NAME=env:VARIABLE (the value is read from that variable), not '{pair}'"
        )
    };
    let Some((name, value)) = pair.split_once('=').filter(|(n, _)| !n.trim().is_empty()) else {
        return Err(shape());
    };
    let secret = SecretRef(value.trim().to_owned());
    if secret.env_name().is_none() {
        return Err(shape());
    }
    Ok((name.trim().to_owned(), secret))
}

/// How `functions set` changes a function's platform settings.
#[derive(Debug, Args, Clone, Default)]
pub struct SetPlatformFlags {
    /// The platform version: v1 or v2.
    #[arg(long, value_enum, value_name = "VERSION")]
    pub runtime: Option<Runtime>,
    /// Set an environment variable, NAME=VALUE (repeatable; NAME= removes it).
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    /// Add a domain to the allowlist (repeatable).
    #[arg(long = "allow", value_name = "DOMAIN")]
    pub allow: Vec<String>,
    /// Remove a domain from the allowlist (repeatable).
    #[arg(long = "disallow", value_name = "DOMAIN")]
    pub disallow: Vec<String>,
    /// Set a secret for local runs, NAME=env:VARIABLE, or NAME= to type it in for the session
    /// (repeatable; `--secret NAME` alone removes it).
    #[arg(long = "secret", value_name = "NAME=env:VAR")]
    pub secret: Vec<String>,
    /// The engine of a local endpoint: quickjs or node.
    #[arg(long, value_enum, value_name = "ENGINE")]
    pub engine: Option<LocalEngine>,
    /// Save even when the save-time checks find errors in the code.
    #[arg(long)]
    pub force: bool,
}

impl SetPlatformFlags {
    /// Applies the flags to the function of `event`; the error is a usage error (exit 2).
    pub fn apply(
        &self,
        event: crate::catalog::EventId,
        config: &mut FunctionConfig,
    ) -> anyhow::Result<()> {
        if let Some(runtime) = self.runtime {
            // The other version's untouched template becomes this version's.
            if runtime != config.runtime
                && config.code == FunctionConfig::template(event, config.runtime)
            {
                config.code = FunctionConfig::template(event, runtime).to_owned();
            }
            config.runtime = runtime;
        }
        for (name, value) in &self.env {
            if value.is_empty() {
                config.environment.remove(name);
            } else {
                config.environment.insert(name.clone(), value.clone());
            }
        }
        for domain in &self.allow {
            if !config
                .allowlist
                .iter()
                .any(|d| d.eq_ignore_ascii_case(domain))
            {
                config.allowlist.push(domain.trim().to_owned());
            }
        }
        config
            .allowlist
            .retain(|d| !self.disallow.iter().any(|x| x.eq_ignore_ascii_case(d)));
        for pair in &self.secret {
            match pair.split_once('=') {
                Some((name, value)) => {
                    config
                        .secrets
                        .insert(name.trim().to_owned(), SecretRef(value.trim().to_owned()));
                }
                None => {
                    config.secrets.remove(pair.trim());
                }
            }
        }
        if let Some(engine) = self.engine {
            match &mut config.endpoint {
                Endpoint::Local(local) => local.engine = engine,
                _ => {
                    return Err(usage(
                        "--engine sets the engine of a local endpoint: add --endpoint local",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Prints findings on stderr, one per line, under a heading naming what was checked.
pub fn print_findings(what: &str, findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    warn(format_args!("{what}:"));
    for finding in findings {
        warn(format_args!("  {}", finding.display()));
    }
}

/// `functions check`: prints the save-time findings of a function's code; true when none is an
/// error.
pub fn check(
    out: &mut impl std::io::Write,
    event: crate::catalog::EventId,
    config: &FunctionConfig,
    json: bool,
) -> anyhow::Result<bool> {
    let findings = findings_of(config);
    if json {
        print_json(
            out,
            &serde_json::json!({"event": event.id(), "runtime": config.runtime, "findings": findings}),
        )?;
    } else if findings.is_empty() {
        say!(
            out,
            "{} ({}): no findings",
            config.name,
            config.runtime.as_str()
        )?;
    } else {
        say!(out, "{} ({}):", config.name, config.runtime.as_str())?;
        for finding in &findings {
            say!(out, "  {}", finding.display())?;
        }
    }
    Ok(!check::has_errors(&findings))
}

/// The save-time findings of a function's code.
pub fn findings_of(config: &FunctionConfig) -> Vec<Finding> {
    check::check_code(&config.code, config.runtime)
}
