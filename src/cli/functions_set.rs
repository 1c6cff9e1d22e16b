//! How the arguments of `functions set` change an event's function.

use super::functions::{AuthKind, SetArgs};
use super::usage;
use crate::functions::{
    Auth, Endpoint, EndpointKind, FunctionConfig, LivepersonEndpoint, LocalEndpoint, SecretRef,
};

/// Applies the arguments to the event's function (the template's when it has none).
pub(super) fn apply(
    args: &SetArgs,
    code: Option<&str>,
    existing: Option<&FunctionConfig>,
) -> anyhow::Result<FunctionConfig> {
    let event = args.event;
    let mut config = existing.cloned().unwrap_or_else(|| {
        FunctionConfig::from_template(
            event,
            args.name
                .as_deref()
                .unwrap_or(FunctionConfig::suggested_name(event)),
        )
    });
    if let Some(name) = &args.name {
        config.name.clone_from(name);
    }
    if let Some(d) = &args.description {
        config.description.clone_from(d);
    }
    if let Some(state) = args.state {
        config.state = state;
    }
    if let Some(code) = code {
        code.clone_into(&mut config.code);
    }
    if let Some(ms) = args.timeout_ms {
        config.timeout_ms = ms;
    }
    for header in &args.header {
        if header.value.is_empty() {
            config.headers.remove(&header.name);
        } else {
            config
                .headers
                .insert(header.name.clone(), header.value.clone());
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
                url.clone_from(u);
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
                lp.account_id.clone_from(v);
            }
            if let Some(v) = &args.lambda_uuid {
                lp.lambda_uuid.clone_from(v);
            }
            if let Some(v) = args.region {
                lp.region = Some(v);
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
                lp.client_id.clone_from(v);
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
    args.local.apply(event, &mut config)?;
    Ok(config)
}

fn secret_arg(value: &str, flag: &str) -> anyhow::Result<SecretRef> {
    let secret = SecretRef(value.trim().to_owned());
    if secret.is_plain() {
        return Err(usage(format!(
            "{flag} takes env:NAME (the secret is read from that variable when used); plain secrets are not stored"
        )));
    }
    Ok(secret)
}
