//! Rules for a function's configuration, each error keyed by the field it is about, so a form can
//! show it next to that field.

use super::config::{
    Auth, Endpoint, FunctionConfig, InvokeBy, LivepersonEndpoint, MAX_RETRIES, Runtime, SecretRef,
};

/// Largest timeout the console accepts (10 minutes); the platform itself stops at 30 s.
pub const MAX_TIMEOUT_MS: u64 = 600_000;

/// One problem with one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path: `name`, `timeout_ms`, `endpoint.url`, `headers.X-Trace`, …
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// Every problem with `config`; empty when it can be saved.
pub fn validate(config: &FunctionConfig) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name = config.name.trim();
    if name.is_empty() {
        errors.push(err("name", "a function needs a name"));
    } else if name.len() > 100 {
        errors.push(err("name", "at most 100 characters"));
    } else if name.chars().any(char::is_control) {
        errors.push(err("name", "no control characters"));
    }
    if config.timeout_ms == 0 || config.timeout_ms > MAX_TIMEOUT_MS {
        errors.push(err(
            "timeout_ms",
            format!("between 1 and {MAX_TIMEOUT_MS} ms (the platform stops functions after 30000)"),
        ));
    }
    for (key, value) in &config.headers {
        let field = format!("headers.{key}");
        if key.is_empty() || !key.bytes().all(is_token_byte) {
            errors.push(err(field, "not a valid header name"));
        } else if key.eq_ignore_ascii_case("authorization") {
            errors.push(err(
                field,
                "set credentials with the endpoint's auth, so they stay out of the file",
            ));
        } else if value.chars().any(|c| c.is_control() && c != '\t') {
            errors.push(err(field, "a header value is one line of text"));
        } else if !value.is_ascii() {
            errors.push(err(field, "a header value is ASCII text"));
        } else if is_secret_header(key) && SecretRef(value.clone()).is_plain() {
            errors.push(err(
                field,
                "this header carries a credential: write env:NAME to read it from the environment; plain secrets are not stored",
            ));
        } else if let Some(name) = value.strip_prefix("env:")
            && name.trim().is_empty()
        {
            errors.push(err(field, "env: needs the name of an environment variable"));
        }
    }
    validate_endpoint(&config.endpoint, &mut errors);
    validate_platform(config, &mut errors);
    errors
}

/// The platform's limits on environment variables: V1 allows 200 characters per name and per
/// value; V2 200 per name, 1,024 per value, and at most 512 variables.
pub fn environment_limits(runtime: Runtime) -> (usize, usize, usize) {
    match runtime {
        Runtime::V1 => (200, 200, usize::MAX),
        Runtime::V2 => (200, 1024, 512),
    }
}

/// The rules of the platform settings: environment variables, the allowlist, secrets.
fn validate_platform(config: &FunctionConfig, errors: &mut Vec<FieldError>) {
    let (max_name, max_value, max_count) = environment_limits(config.runtime);
    if config.environment.len() > max_count {
        errors.push(err(
            "environment",
            format!(
                "at most {max_count} environment variables on {}",
                config.runtime.as_str().to_uppercase()
            ),
        ));
    }
    for (name, value) in &config.environment {
        let field = format!("environment.{name}");
        if !is_variable_name(name) {
            errors.push(err(
                field,
                "a variable name is letters, digits and _, not starting with a digit",
            ));
        } else if name.chars().count() > max_name {
            errors.push(err(
                field,
                format!("the platform allows names of at most {max_name} characters"),
            ));
        } else if value.chars().count() > max_value {
            errors.push(err(
                field,
                format!(
                    "the platform allows values of at most {max_value} characters on {}",
                    config.runtime.as_str().to_uppercase()
                ),
            ));
        } else if value.chars().any(|c| c == '\0') {
            errors.push(err(field, "a value has no NUL character"));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, domain) in config.allowlist.iter().enumerate() {
        let field = format!("allowlist.{i}");
        if let Err(message) = check_domain(domain) {
            errors.push(err(field, message));
        } else if !seen.insert(domain.to_ascii_lowercase()) {
            errors.push(err(field, format!("{domain} is on the allowlist twice")));
        }
    }
    for (name, secret) in &config.secrets {
        let field = format!("secrets.{name}");
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
        {
            errors.push(err(field, "a secret's name is letters, digits, _, - and ."));
        } else if secret.is_plain() {
            errors.push(err(
                field,
                "write env:NAME to read it from the environment, or leave it empty to type it in for the session; plain secrets are not stored",
            ));
        }
    }
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An allowlist entry: a domain name, or `*.` and a domain (one wildcard, leftmost only), as
/// the platform accepts them.
pub fn check_domain(domain: &str) -> Result<(), String> {
    let name = domain.strip_prefix("*.").unwrap_or(domain);
    if domain.contains("://") || domain.contains('/') || domain.contains(':') {
        return Err(format!(
            "{domain}: a domain name only, without scheme, path or port"
        ));
    }
    if name.contains('*') {
        return Err(format!(
            "{domain}: only one leading wildcard is allowed (*.example.com)"
        ));
    }
    let labels: Vec<&str> = name.split('.').collect();
    let valid_label = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if name.len() > 253
        || !labels.iter().all(valid_label)
        || (domain.starts_with("*.") && labels.len() < 2)
    {
        return Err(format!("{domain}: not a valid domain name"));
    }
    Ok(())
}

fn validate_endpoint(endpoint: &Endpoint, errors: &mut Vec<FieldError>) {
    for (field, secret) in endpoint.secrets() {
        if secret.is_plain() {
            errors.push(err(
                field,
                "write env:NAME to read it from the environment, or leave it empty to type it in for the session; plain secrets are not stored",
            ));
        }
    }
    match endpoint {
        Endpoint::Http { url, auth } => {
            check_http_url("endpoint.url", url, errors);
            if let Auth::Basic { user, .. } = auth
                && user.trim().is_empty()
            {
                errors.push(err("endpoint.auth.user", "basic auth needs a user"));
            }
        }
        Endpoint::Liveperson(lp) => validate_liveperson(lp, errors),
        Endpoint::Local(_) => {}
    }
}

fn validate_liveperson(lp: &LivepersonEndpoint, errors: &mut Vec<FieldError>) {
    let account = lp.account_id.trim();
    // Production accounts are numbers; LivePerson's QA and alpha accounts carry a prefix
    // (`le`, `qa`, `c`, `fr`, `a`), which also picks their CSDS.
    let digits = account.trim_start_matches(|c: char| c.is_ascii_lowercase());
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(err(
            "endpoint.account_id",
            "the account id is a number, e.g. 12345678 (a QA account's with its prefix, e.g. le12345678)",
        ));
    }
    if lp.invoke == InvokeBy::Lambda && !is_uuid(lp.lambda_uuid.trim()) {
        errors.push(err(
            "endpoint.lambda_uuid",
            "a UUID like 5e7a8a7b-3b61-4c9e-b9a6-2f5a1c0e8d11 (or invoke by event)",
        ));
    }
    if lp.client_id.trim().is_empty() {
        errors.push(err(
            "endpoint.client_id",
            "the API key's client id is needed",
        ));
    }
    let explicit = [
        ("endpoint.gateway_url", &lp.gateway_url),
        ("endpoint.sentinel_url", &lp.sentinel_url),
        ("endpoint.csds_url", &lp.csds_url),
    ];
    for (field, url) in explicit {
        if let Some(url) = url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            check_http_url(field, url, errors);
        }
    }
    if lp.retries > MAX_RETRIES {
        errors.push(err(
            "endpoint.retries",
            format!(
                "at most {MAX_RETRIES} retries (LivePerson's own client makes 3; 0 turns them off)"
            ),
        ));
    }
}

fn check_http_url(field: &str, url: &str, errors: &mut Vec<FieldError>) {
    if let Err(e) = crate::net::check_url(url) {
        errors.push(err(field, e.message));
    } else if crate::redact::url_password(url).is_some() {
        errors.push(err(
            field,
            "the URL holds a password: use basic auth with the password as env:NAME, so it stays out of the file",
        ));
    }
}

/// True when a header's name says it carries a credential (its value must then be `env:NAME`).
pub fn is_secret_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "authorization",
        "token",
        "secret",
        "password",
        "passwd",
        "api-key",
        "apikey",
        "api_key",
        "cookie",
        "credential",
    ]
    .iter()
    .any(|s| lower.contains(s))
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::EventId;
    use crate::functions::config::{Region, SecretRef};

    #[test]
    fn a_template_function_is_valid() {
        let config = FunctionConfig::from_template(EventId::MessagingSurveyEnded, "pcs-ended");
        assert_eq!(validate(&config), []);
    }

    #[test]
    fn errors_are_keyed_by_field() {
        let mut config = FunctionConfig::from_template(EventId::MessagingSurveyEnded, " ");
        config.timeout_ms = 0;
        config.headers.insert("Bad Header".into(), "x".into());
        config
            .headers
            .insert("Authorization".into(), "Bearer x".into());
        config.endpoint = Endpoint::Http {
            url: "ftp://host/".into(),
            auth: Auth::Bearer {
                token: SecretRef("abc123".into()),
            },
        };
        let fields: Vec<_> = validate(&config).into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "name",
                "timeout_ms",
                "headers.Authorization",
                "headers.Bad Header",
                "endpoint.auth.token",
                "endpoint.url"
            ]
        );
    }

    #[test]
    fn credentials_in_headers_and_urls_must_be_references() {
        let mut config = FunctionConfig::from_template(EventId::MessagingSurveyEnded, "f");
        config.headers.insert("X-Api-Key".into(), "k3y".into());
        config.headers.insert("X-Trace".into(), "t1".into());
        config.endpoint = Endpoint::Http {
            url: "http://ops:pa55@127.0.0.1:9/".into(),
            auth: Auth::None,
        };
        let fields: Vec<_> = validate(&config).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["headers.X-Api-Key", "endpoint.url"]);
        config
            .headers
            .insert("X-Api-Key".into(), "env:API_KEY".into());
        config.endpoint = Endpoint::Http {
            url: "http://ops@127.0.0.1:9/".into(),
            auth: Auth::None,
        };
        assert_eq!(validate(&config), []);
    }

    #[test]
    fn platform_settings_follow_the_platform_s_limits() {
        let mut config = FunctionConfig::from_template(EventId::MessagingSurveyEnded, "f");
        config.environment.insert("REGION".into(), "emea".into());
        config.environment.insert("1BAD".into(), "x".into());
        config.environment.insert("LONG".into(), "v".repeat(300));
        config.allowlist = vec![
            "api.example.com".into(),
            "*.example.org".into(),
            "https://x.test/".into(),
            "*.*.example.net".into(),
            "API.example.com".into(),
        ];
        config
            .secrets
            .insert("apiKey".into(), SecretRef::env("API_KEY"));
        config
            .secrets
            .insert("plain".into(), SecretRef("hunter2".into()));
        let fields: Vec<_> = validate(&config).into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "environment.1BAD",
                "environment.LONG",
                "allowlist.2",
                "allowlist.3",
                "allowlist.4",
                "secrets.plain"
            ]
        );
        // V2 allows longer values.
        config.runtime = Runtime::V2;
        config.environment.remove("1BAD");
        config.allowlist.truncate(2);
        config.secrets.remove("plain");
        assert_eq!(validate(&config), []);
    }

    #[test]
    fn liveperson_needs_ids_and_usable_overrides() {
        let mut endpoint = Endpoint::Liveperson(LivepersonEndpoint {
            account_id: "12345678".into(),
            lambda_uuid: "5e7a8a7b-3b61-4c9e-b9a6-2f5a1c0e8d11".into(),
            region: Some(Region::Lo),
            client_id: "cid".into(),
            client_secret: SecretRef::env("LP_SECRET"),
            ..LivepersonEndpoint::default()
        });
        let mut errors = Vec::new();
        validate_endpoint(&endpoint, &mut errors);
        assert_eq!(errors, []);
        if let Endpoint::Liveperson(lp) = &mut endpoint {
            // Without a region the hosts come from CSDS: no error for them.
            lp.region = None;
            lp.lambda_uuid = "not-a-uuid".into();
            lp.gateway_url = Some("http://127.0.0.1:9000".into());
            lp.csds_url = Some("ftp://csds".into());
            lp.retries = 11;
        }
        validate_endpoint(&endpoint, &mut errors);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "endpoint.lambda_uuid",
                "endpoint.csds_url",
                "endpoint.retries"
            ]
        );
        // By event, no UUID is needed; QA accounts carry a prefix.
        errors.clear();
        if let Endpoint::Liveperson(lp) = &mut endpoint {
            lp.invoke = InvokeBy::Event;
            lp.account_id = "le12345678".into();
            lp.csds_url = None;
            lp.retries = 0;
        }
        validate_endpoint(&endpoint, &mut errors);
        assert_eq!(errors, []);
        // Anything else is not an account id.
        for account in ["", "le", "acme", "12ab34", "12 34", "LE123"] {
            if let Endpoint::Liveperson(lp) = &mut endpoint {
                lp.account_id = account.into();
            }
            validate_endpoint(&endpoint, &mut errors);
            let fields: Vec<_> = errors.drain(..).map(|e| e.field).collect();
            assert_eq!(fields, ["endpoint.account_id"], "{account:?}");
        }
    }
}
