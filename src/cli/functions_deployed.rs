//! `survey-console functions deployed`: whether LivePerson has a function deployed for each
//! event whose function is a LivePerson one.

use std::io::Write;

use serde_json::json;

use super::functions::StoreArgs;
use super::output::{print_json, print_table, say};
use crate::catalog::EventId;
use crate::functions::Endpoint;

/// `functions deployed`: isImplemented for each event with a LivePerson function; `false` when
/// an event could not be asked.
pub(super) fn deployed(out: &mut impl Write, opts: &StoreArgs) -> anyhow::Result<bool> {
    let store = super::functions::open(opts)?;
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
        print_json(out, &json!({"events": json_rows}))?;
    } else if rows.is_empty() {
        say!(
            out,
            "no event has a LivePerson function in {}",
            store.path.display()
        )?;
    } else {
        print_table(out, &["event", "platform id", "deployed", "error"], &rows)?;
    }
    Ok(!failed)
}
