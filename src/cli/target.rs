//! Where `invoke` and `batch` send: an ad-hoc URL, a code file run in-process, or the event's
//! configured function.

use std::path::Path;
use std::time::Duration;

use crate::catalog::EventId;
use crate::functions::{FunctionStore, default_path};
use crate::invoke::Target;

/// The target of the arguments; the error is a message for stderr (exit 2).
pub fn resolve(
    event: EventId,
    url: Option<&str>,
    code: Option<&Path>,
    config: Option<&Path>,
    headers: &[String],
    timeout_ms: Option<u64>,
) -> Result<Target, String> {
    let mut parsed = Vec::new();
    for header in headers {
        let Some((k, v)) = header.split_once(':') else {
            return Err(format!("--header takes 'Name: value', not '{header}'"));
        };
        parsed.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    if timeout_ms == Some(0) {
        return Err("--timeout-ms must be at least 1".to_owned());
    }
    let mut target = match (url, code) {
        (Some(url), _) => {
            crate::net::check_url(url).map_err(|e| e.to_string())?;
            Target::url(event, url, Duration::from_millis(30_000))
        }
        (None, Some(file)) => {
            let code = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read the code ({e}): {}", file.display()))?;
            Target::local(event, &file.display().to_string(), code)
        }
        (None, None) => {
            let path = config.map_or_else(default_path, Path::to_path_buf);
            let store = FunctionStore::load(&path).map_err(|e| e.to_string())?;
            let Some(function) = store.get(event) else {
                return Err(format!(
                    "{} has no function in {}: create one (survey-console functions create {}) or pass --url",
                    event.name(),
                    path.display(),
                    event.id()
                ));
            };
            Target::from_config(event, function)
        }
    };
    target.headers.extend(parsed);
    if let Some(ms) = timeout_ms {
        target.timeout = Duration::from_millis(ms);
    }
    Ok(target)
}
