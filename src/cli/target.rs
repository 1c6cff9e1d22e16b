//! Where `invoke` and `batch` send: an ad-hoc URL, a code file run in-process, or the event's
//! configured function.

use std::path::Path;
use std::time::Duration;

use super::args::TargetArgs;
use super::{OrUsage as _, usage};
use crate::catalog::EventId;
use crate::functions::{FunctionStore, default_path};
use crate::invoke::Target;

/// The target of the arguments; every error is a usage error (exit 2).
pub fn resolve(event: EventId, args: &TargetArgs, code: Option<&Path>) -> anyhow::Result<Target> {
    let mut target = match (args.url.as_deref(), code) {
        (Some(url), _) => {
            crate::net::check_url(url).or_usage()?;
            Target::url(event, url, Duration::from_millis(30_000))
        }
        (None, Some(file)) => {
            let code = crate::files::read_text(file, crate::files::CODE_LIMIT).or_usage()?;
            Target::local(event, &file.display().to_string(), code)
        }
        (None, None) => {
            let path = args.config.clone().unwrap_or_else(default_path);
            let store = FunctionStore::load(&path).or_usage()?;
            let Some(function) = store.get(event) else {
                return Err(usage(format!(
                    "{} has no function in {}: create one (survey-console functions create {}) or pass --url",
                    event.name(),
                    path.display(),
                    event.id()
                )));
            };
            Target::from_config(event, function)
        }
    };
    target
        .headers
        .extend(args.header.iter().map(super::HeaderArg::pair));
    if let Some(ms) = args.timeout_ms {
        target.timeout = Duration::from_millis(ms);
    }
    Ok(target)
}
