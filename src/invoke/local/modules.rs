//! The modules the platform offers a function, at the versions LivePerson's CLI pins (V1) or the
//! newest release of each V2 module (the V2 documentation names no versions), installed once
//! with npm into the console's data dir, never into the operator's project. Both engines load
//! them from there through the platform layer's loader; the embedded engine loads the plain
//! JavaScript ones and names the Node engine for the rest.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::functions::Runtime;

/// One module of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformModule {
    /// The npm package.
    pub name: &'static str,
    /// The exact version installed.
    pub version: &'static str,
    /// True when it is plain JavaScript the embedded engine can load (with its `crypto`
    /// stand-in); false when it needs Node.js built-ins the embedded engine lacks.
    pub plain_js: bool,
}

const fn module(name: &'static str, version: &'static str, plain_js: bool) -> PlatformModule {
    PlatformModule {
        name,
        version,
        plain_js,
    }
}

/// V1's modules, as `lp-faas-toolbelt`'s package.json in LivePerson's CLI 1.31.13 pins them.
pub const V1_MODULES: &[PlatformModule] = &[
    module("lodash", "4.17.21", true),
    module("luxon", "1.28.1", true),
    module("jsonwebtoken", "9.0.0", false),
    module("uuid", "8.3.2", true),
    module("oauth-1.0a", "2.2.6", true),
    module("jsforce", "3.10.10", false),
];

/// V2's modules (`luxon`, `jsonwebtoken`, `es-toolkit`; `oauth-1.0a` from V2's own examples).
pub const V2_MODULES: &[PlatformModule] = &[
    module("luxon", "3.7.2", true),
    module("jsonwebtoken", "9.0.3", false),
    module("es-toolkit", "1.53.2", true),
    module("oauth-1.0a", "2.2.6", true),
];

/// Node built-ins a function may use (as the platform layer's loader lists them).
pub const NODE_BUILTINS: &[&str] = &[
    "assert",
    "assert/strict",
    "async_hooks",
    "buffer",
    "constants",
    "crypto",
    "diagnostics_channel",
    "events",
    "os",
    "path",
    "path/posix",
    "perf_hooks",
    "punycode",
    "querystring",
    "stream",
    "stream/promises",
    "stream/web",
    "string_decoder",
    "timers",
    "timers/promises",
    "url",
    "util",
    "util/types",
    "zlib",
];

/// Node built-ins a local run refuses: no files, processes, sockets or engine internals.
pub const REFUSED_BUILTINS: &[&str] = &[
    "fs",
    "fs/promises",
    "child_process",
    "cluster",
    "worker_threads",
    "net",
    "tls",
    "dgram",
    "http",
    "https",
    "http2",
    "inspector",
    "vm",
    "v8",
    "module",
    "repl",
    "process",
    "wasi",
    "trace_events",
    "readline",
    "tty",
    "dns",
    "dns/promises",
];

/// Built-ins the embedded engine has stand-ins for (the rest need the Node engine).
pub const EMBEDDED_BUILTINS: &[&str] = &[
    "crypto",
    "buffer",
    "url",
    "querystring",
    "util",
    "events",
    "path",
    "path/posix",
    "assert",
    "assert/strict",
];

/// Why a module name would not load, for the save-time checks; `None` when it is offered.
pub fn refusal(name: &str, runtime: Runtime) -> Option<String> {
    let bare = name.strip_prefix("node:").unwrap_or(name);
    if REFUSED_BUILTINS.contains(&bare) {
        return Some(format!(
            "'{bare}' is not available to a function run locally: it has no access to this machine's files, processes or network (make HTTP calls with the toolbelt's HTTPClient or fetch)"
        ));
    }
    if NODE_BUILTINS.contains(&bare) || name == toolbelt_name(runtime) {
        return None;
    }
    let package = package_of(name);
    let mapped = name
        .strip_prefix("lp-faas-toolbelt/")
        .filter(|_| runtime == Runtime::V1)
        .map(package_of);
    let offered = |p: &str| platform_modules(runtime).iter().any(|m| m.name == p);
    if offered(package) || mapped.is_some_and(offered) {
        return None;
    }
    let list: Vec<&str> = platform_modules(runtime).iter().map(|m| m.name).collect();
    Some(format!(
        "the platform offers no module '{name}' on {}: it has {}, {} and Node's built-ins",
        runtime.as_str().to_uppercase(),
        toolbelt_name(runtime),
        list.join(", ")
    ))
}

fn package_of(name: &str) -> &str {
    let mut parts = name.splitn(3, '/');
    match (parts.next(), parts.next()) {
        (Some(scope), Some(pkg)) if scope.starts_with('@') => &name[..scope.len() + 1 + pkg.len()],
        (Some(first), _) => first,
        _ => name,
    }
}

/// The toolbelt's name on each platform version (a stand-in built into the console).
pub fn toolbelt_name(runtime: Runtime) -> &'static str {
    match runtime {
        Runtime::V1 => "lp-faas-toolbelt",
        Runtime::V2 => "core-functions-toolbelt",
    }
}

/// The modules of a platform version.
pub fn platform_modules(runtime: Runtime) -> &'static [PlatformModule] {
    match runtime {
        Runtime::V1 => V1_MODULES,
        Runtime::V2 => V2_MODULES,
    }
}

/// Where modules are installed: `SURVEY_CONSOLE_MODULES`, else `modules` in the data dir.
pub fn default_modules_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SURVEY_CONSOLE_MODULES").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("survey-console")
        .join("modules")
}

/// The `node_modules` of a platform version (`v1` or `v2`) under the modules root.
pub fn node_modules_dir(root: &Path, runtime: &str) -> PathBuf {
    root.join(runtime).join("node_modules")
}

/// Largest `package.json` of an installed module that is read.
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// The version of a module installed under `root`, if any.
pub fn installed_version(root: &Path, runtime: Runtime, name: &str) -> Option<String> {
    let manifest = node_modules_dir(root, runtime.as_str())
        .join(name)
        .join("package.json");
    let text = crate::files::read_text(&manifest, MAX_MANIFEST_BYTES).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("version")?.as_str().map(str::to_owned)
}

/// The platform modules a function's code names (`require('x')`, `import … from 'x'`,
/// `import('x')`), found by a plain scan of its string literals after those keywords.
pub fn named_in(code: &str, runtime: Runtime) -> Vec<PlatformModule> {
    let mut found: Vec<PlatformModule> = Vec::new();
    for m in platform_modules(runtime) {
        let named = ["'", "\""].iter().any(|q| {
            let bare = format!("{q}{}{q}", m.name);
            let sub = format!("{q}{}/", m.name);
            let mapped = format!("{q}lp-faas-toolbelt/{}{q}", m.name);
            code.contains(&bare) || code.contains(&sub) || code.contains(&mapped)
        });
        if named {
            found.push(*m);
        }
    }
    found
}

/// Why modules could not be installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModulesError {
    /// npm is not on PATH.
    #[error(
        "npm is needed to install the platform's modules and was not found: install Node.js with npm (Debian: apt-get install nodejs npm), then try again ({dir})"
    )]
    NpmMissing { dir: String },
    /// npm could not reach the registry.
    #[error(
        "npm could not reach the package registry (is this machine offline?): {detail} ({dir})"
    )]
    Offline { detail: String, dir: String },
    /// npm failed otherwise.
    #[error("npm could not install the platform's modules: {detail} ({dir})")]
    Failed { detail: String, dir: String },
    /// The directory could not be prepared.
    #[error("cannot prepare the modules directory: {detail} ({dir})")]
    Directory { detail: String, dir: String },
    /// The install was cancelled.
    #[error("the install was cancelled ({dir})")]
    Cancelled { dir: String },
}

/// Longest an install may take.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Installs a platform version's modules under `root` with npm, reporting npm's progress
/// lines; nothing when they are all there. One install at a time in this process.
pub fn install(
    root: &Path,
    runtime: Runtime,
    progress: &mut dyn FnMut(&str),
    cancel: &Arc<AtomicBool>,
) -> Result<(), ModulesError> {
    install_with(&npm_command(), root, runtime, progress, cancel)
}

/// The npm to run: `SURVEY_CONSOLE_NPM`, else `npm` on PATH.
pub fn npm_command() -> PathBuf {
    std::env::var_os("SURVEY_CONSOLE_NPM")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("npm"), PathBuf::from)
}

/// [`install`] with a given npm.
pub fn install_with(
    npm: &Path,
    root: &Path,
    runtime: Runtime,
    progress: &mut dyn FnMut(&str),
    cancel: &Arc<AtomicBool>,
) -> Result<(), ModulesError> {
    static INSTALLING: Mutex<()> = Mutex::new(());
    let _one = INSTALLING.lock().unwrap_or_else(|p| p.into_inner());
    // A failed install is not tried again for a minute: an offline machine answers at once.
    static FAILED: Mutex<Vec<(PathBuf, Runtime, Instant, ModulesError)>> = Mutex::new(Vec::new());
    let key = root.to_path_buf();
    {
        let mut failed = FAILED.lock().unwrap_or_else(|p| p.into_inner());
        failed.retain(|(_, _, at, _)| at.elapsed() < Duration::from_secs(60));
        if let Some((_, _, _, error)) = failed
            .iter()
            .find(|(r, rt, _, _)| *r == key && *rt == runtime)
        {
            return Err(error.clone());
        }
    }
    let outcome = install_now(npm, root, runtime, progress, cancel);
    if let Err(error) = &outcome
        && !matches!(error, ModulesError::Cancelled { .. })
    {
        let mut failed = FAILED.lock().unwrap_or_else(|p| p.into_inner());
        failed.push((key, runtime, Instant::now(), error.clone()));
    }
    outcome
}

fn install_now(
    npm: &Path,
    root: &Path,
    runtime: Runtime,
    progress: &mut dyn FnMut(&str),
    cancel: &Arc<AtomicBool>,
) -> Result<(), ModulesError> {
    let modules = platform_modules(runtime);
    let missing: Vec<_> = modules
        .iter()
        .filter(|m| installed_version(root, runtime, m.name).as_deref() != Some(m.version))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let dir = root.join(runtime.as_str());
    let shown = dir.display().to_string();
    let directory = |e: std::io::Error| ModulesError::Directory {
        detail: e.to_string(),
        dir: shown.clone(),
    };
    std::fs::create_dir_all(&dir).map_err(directory)?;
    let dependencies: serde_json::Map<String, serde_json::Value> = modules
        .iter()
        .map(|m| (m.name.to_owned(), serde_json::Value::from(m.version)))
        .collect();
    let manifest = serde_json::json!({
        "name": format!("survey-console-platform-modules-{}", runtime.as_str()),
        "private": true,
        "description": "The LivePerson Functions platform's modules, for local runs of survey-console",
        "dependencies": dependencies,
    });
    std::fs::write(
        dir.join("package.json"),
        serde_json::to_string_pretty(&manifest).unwrap_or_default(),
    )
    .map_err(directory)?;
    progress(&format!(
        "installing {} with npm into {shown}",
        missing
            .iter()
            .map(|m| format!("{}@{}", m.name, m.version))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let mut child = Command::new(npm)
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--omit=dev",
            "--ignore-scripts",
            "--loglevel=http",
        ])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|_| ModulesError::NpmMissing { dir: shown.clone() })?;
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| {
        let lines = Arc::clone(&lines);
        std::thread::Builder::new()
            .name("npm-output".into())
            .spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Ok(mut l) = lines.lock() {
                        l.push(line);
                    }
                }
            })
    })
    // A reader that could not start drops its pipe: npm's lines are lost, not the install.
    .filter_map(Result::ok)
    .collect();
    let started = Instant::now();
    let mut shown_lines = 0;
    let status = loop {
        if let Ok(l) = lines.lock() {
            for line in &l[shown_lines..] {
                progress(line);
            }
            shown_lines = l.len();
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Ok(status);
        }
        if cancel.load(Ordering::Relaxed) || started.elapsed() > INSTALL_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break Err(ModulesError::Cancelled { dir: shown.clone() });
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    for reader in readers {
        let _ = reader.join();
    }
    let output = lines.lock().map(|l| l.clone()).unwrap_or_default();
    for line in &output[shown_lines.min(output.len())..] {
        progress(line);
    }
    let status = status?;
    if status.success() {
        return Ok(());
    }
    let tail: Vec<&str> = output
        .iter()
        .rev()
        .filter(|l| l.contains("ERR"))
        .take(4)
        .map(String::as_str)
        .collect();
    let detail = if tail.is_empty() {
        format!("npm exited with {status}")
    } else {
        tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
    };
    let offline = [
        "ENOTFOUND",
        "EAI_AGAIN",
        "ECONNREFUSED",
        "ETIMEDOUT",
        "ENETUNREACH",
        "network",
    ]
    .iter()
    .any(|w| detail.contains(w));
    Err(if offline {
        ModulesError::Offline { detail, dir: shown }
    } else {
        ModulesError::Failed { detail, dir: shown }
    })
}

/// Installs the modules a function's code names when some are missing (the first run that
/// needs them); nothing when the code names none or they are installed.
pub fn ensure_for(
    code: &str,
    runtime: Runtime,
    root: &Path,
    progress: &mut dyn FnMut(&str),
    cancel: &Arc<AtomicBool>,
) -> Result<(), ModulesError> {
    ensure_with(&npm_command(), code, runtime, root, progress, cancel)
}

/// [`ensure_for`] with a given npm.
pub fn ensure_with(
    npm: &Path,
    code: &str,
    runtime: Runtime,
    root: &Path,
    progress: &mut dyn FnMut(&str),
    cancel: &Arc<AtomicBool>,
) -> Result<(), ModulesError> {
    let missing = named_in(code, runtime)
        .into_iter()
        .any(|m| installed_version(root, runtime, m.name).as_deref() != Some(m.version));
    if missing {
        install_with(npm, root, runtime, progress, cancel)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_names_the_modules_it_requires_or_imports() {
        let code = "const _ = require('lodash/get'); const { DateTime } = require(\"luxon\");";
        let names: Vec<_> = named_in(code, Runtime::V1).iter().map(|m| m.name).collect();
        assert_eq!(names, ["lodash", "luxon"]);
        let v2 = "import { chunk } from 'es-toolkit'; import jwt from \"jsonwebtoken\";";
        let names: Vec<_> = named_in(v2, Runtime::V2).iter().map(|m| m.name).collect();
        assert_eq!(names, ["jsonwebtoken", "es-toolkit"]);
        assert!(named_in("require('lodashy')", Runtime::V1).is_empty());
    }

    #[test]
    fn the_platform_layer_lists_the_same_built_ins() {
        let harness = super::super::harness::HARNESS;
        for name in NODE_BUILTINS.iter().chain(REFUSED_BUILTINS) {
            assert!(
                harness.contains(&format!("\"{name}\"")),
                "{name} is missing from loader.js"
            );
        }
        assert_eq!(refusal("lodash/get", Runtime::V1), None);
        assert_eq!(refusal("lp-faas-toolbelt/luxon", Runtime::V1), None);
        assert_eq!(refusal("node:crypto", Runtime::V2), None);
        assert!(
            refusal("left-pad", Runtime::V1)
                .unwrap()
                .contains("offers no module 'left-pad' on V1")
        );
        assert!(refusal("lodash", Runtime::V2).is_some());
        assert!(
            refusal("fs", Runtime::V1)
                .unwrap()
                .contains("not available")
        );
    }

    #[test]
    fn a_missing_npm_is_a_clear_error_and_nothing_is_left_half_done() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("modules");
        let npm = Path::new("/nonexistent/npm");
        let err = install_with(
            npm,
            &root,
            Runtime::V2,
            &mut |_| {},
            &Arc::new(AtomicBool::new(false)),
        )
        .unwrap_err();
        assert!(matches!(err, ModulesError::NpmMissing { .. }), "{err}");
        assert!(err.to_string().contains("apt-get install nodejs npm"));
        assert!(installed_version(&root, Runtime::V2, "luxon").is_none());
    }
}
