//! "Copy as curl": the same request as a shell command, secrets written as environment
//! references (`$NAME`), never their values: credentials, headers read from `env:NAME` or
//! carrying a credential, and the password of a URL.

use serde_json::Value;

use super::{Target, liveperson};
use crate::functions::{Auth, Endpoint, Platform, SecretRef, is_secret_header};

/// The environment variable a command uses for a secret typed in for the session.
const SESSION_VARIABLE: &str = "SURVEY_CONSOLE_SECRET";

/// The environment variable a command uses for the password of a URL.
const URL_PASSWORD_VARIABLE: &str = "SURVEY_CONSOLE_URL_PASSWORD";

/// A header as a curl argument: a value read from `env:NAME` becomes `$NAME`, the value of a
/// header that carries a credential a variable named after the header.
fn header_arg(name: &str, value: &str) -> String {
    let reference = match value.strip_prefix("env:").map(str::trim) {
        Some(variable) => Some(variable.to_owned()),
        None if is_secret_header(name) => Some(
            name.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect(),
        ),
        None => None,
    };
    match reference {
        Some(variable)
            if variable
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            format!("-H \"{name}: ${{{variable}}}\"")
        }
        _ => format!("-H {}", shell_quote(&format!("{name}: {value}"))),
    }
}

/// A URL without the password of its user info, and the `-u` argument that sends it instead.
fn without_password(url: &str) -> (String, Option<String>) {
    let Some(password) = crate::redact::url_password(url) else {
        return (url.to_owned(), None);
    };
    let Some((scheme, rest)) = url.trim().split_once("://") else {
        return (url.to_owned(), None);
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return (url.to_owned(), None);
    };
    let user = userinfo
        .strip_suffix(password)
        .and_then(|u| u.strip_suffix(':'))
        .unwrap_or(userinfo);
    (
        format!("{scheme}://{host}"),
        Some(format!(
            "-u {}\"${URL_PASSWORD_VARIABLE}\"",
            shell_quote(&format!("{user}:"))
        )),
    )
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn variable(secret: &SecretRef) -> String {
    format!("${}", secret.env_name().unwrap_or(SESSION_VARIABLE))
}

/// A shell command that sends `envelope` to the target as the console does.
pub fn curl_command(target: &Target, envelope: &Value) -> String {
    let body = serde_json::to_string(envelope).unwrap_or_default();
    let mut lines = Vec::new();
    let invoke = |url: &str, auth: Option<String>| {
        let mut parts = vec![
            format!("curl -sS -X POST {}", shell_quote(url)),
            "-H 'Content-Type: application/json'".to_owned(),
        ];
        if let Some(auth) = auth {
            parts.push(auth);
        }
        for (k, v) in &target.headers {
            parts.push(header_arg(k, v));
        }
        parts.push(format!("--max-time {}", target.timeout.as_secs().max(1)));
        parts.push(format!("--data-binary {}", shell_quote(&body)));
        parts.join(" \\\n  ")
    };
    match &target.endpoint {
        Endpoint::Http { url, auth } => {
            let (url, from_url) = without_password(url);
            let url = &url;
            let auth = match auth {
                Auth::None => from_url,
                Auth::Bearer { token } => {
                    Some(format!("-H \"Authorization: Bearer {}\"", variable(token)))
                }
                Auth::Basic { user, password } => Some(format!(
                    "-u \"{}:{}\"",
                    user.replace('"', "\\\""),
                    variable(password)
                )),
            };
            lines.push(invoke(url, auth));
        }
        Endpoint::Liveperson(lp) => {
            let (gateway, sentinel) = match target.endpoint.liveperson_bases() {
                Some(bases) => bases,
                None => {
                    lines.push(format!(
                        "# the hosts come from CSDS ({} lists faasGW and sentinel):\n# curl -sS {}",
                        liveperson::csds_domain(&lp.account_id),
                        shell_quote(&liveperson::csds_lookup_url(lp))
                    ));
                    (
                        "https://$FAAS_GW".to_owned(),
                        "https://$SENTINEL".to_owned(),
                    )
                }
            };
            let domain = gateway.split("://").nth(1).unwrap_or(&gateway).to_owned();
            let hosts = liveperson::Hosts {
                v2: match lp.platform {
                    Platform::V1 => false,
                    Platform::V2 => true,
                    Platform::Auto => liveperson::is_v2_domain(&domain),
                },
                gateway,
                sentinel,
                discovered: false,
            };
            lines.push(format!(
                "TOKEN=$(curl -sS -X POST {} \\\n  -d grant_type=client_credentials -d client_id={} \\\n  --data-urlencode \"client_secret={}\" \\\n  | sed -E 's/.*\"access_token\" *: *\"([^\"]+)\".*/\\1/')",
                shell_quote(&liveperson::token_url(&hosts.sentinel, &lp.account_id)),
                shell_quote(&lp.client_id),
                variable(&lp.client_secret)
            ));
            let url = liveperson::invoke_url(&hosts, lp, target.event);
            let mut auth = "-H \"Authorization: Bearer $TOKEN\"".to_owned();
            if hosts.v2 {
                auth.push_str(&format!(
                    " \\\n  -H {}",
                    shell_quote(&format!("LP-EventSource: {}", lp.external_system()))
                ));
            }
            lines.push(invoke(&url, Some(auth)));
        }
        Endpoint::Local(_) => {
            return "# this function runs in-process: there is no HTTP request to copy".to_owned();
        }
    }
    // A password left in any URL (a gateway's, one in the payload) is not copied either.
    crate::redact::url_passwords(&lines.join("\n")).into_owned()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::catalog::EventId;
    use crate::functions::LivepersonEndpoint;

    #[test]
    fn secrets_become_environment_references() {
        let mut target = Target::url(
            EventId::MessagingSurveyEnded,
            "http://127.0.0.1:8080/fn",
            Duration::from_secs(30),
        );
        target.endpoint = Endpoint::Http {
            url: "http://127.0.0.1:8080/fn".into(),
            auth: Auth::Bearer {
                token: SecretRef::env("FN_TOKEN"),
            },
        };
        let cmd = curl_command(&target, &serde_json::json!({"payload": {"a": "it's"}}));
        assert!(
            cmd.contains("-H \"Authorization: Bearer $FN_TOKEN\""),
            "{cmd}"
        );
        assert!(cmd.contains(r#"'{"payload":{"a":"it'\''s"}}'"#), "{cmd}");

        let mut target = Target::url(
            EventId::MessagingSurveyEnded,
            "http://ops:pa55@127.0.0.1:8080/fn",
            Duration::from_secs(30),
        );
        target.headers = vec![
            ("X-Api-Key".into(), "k3y".into()),
            ("X-Tenant".into(), "env:TENANT".into()),
            ("X-Trace".into(), "t1".into()),
        ];
        let cmd = curl_command(&target, &serde_json::json!({}));
        assert!(!cmd.contains("pa55") && !cmd.contains("k3y"), "{cmd}");
        assert!(cmd.contains("'http://127.0.0.1:8080/fn'"), "{cmd}");
        assert!(
            cmd.contains("-u 'ops:'\"$SURVEY_CONSOLE_URL_PASSWORD\""),
            "{cmd}"
        );
        assert!(cmd.contains("-H \"X-Api-Key: ${X_API_KEY}\""), "{cmd}");
        assert!(cmd.contains("-H \"X-Tenant: ${TENANT}\""), "{cmd}");
        assert!(cmd.contains("-H 'X-Trace: t1'"), "{cmd}");

        target.endpoint = Endpoint::Liveperson(LivepersonEndpoint {
            account_id: "123".into(),
            lambda_uuid: "u".into(),
            region: Some(crate::functions::Region::Va),
            client_id: "cid".into(),
            ..LivepersonEndpoint::default()
        });
        let cmd = curl_command(&target, &serde_json::json!({}));
        assert!(
            cmd.contains("client_secret=$SURVEY_CONSOLE_SECRET"),
            "{cmd}"
        );
        assert!(cmd.contains(
            "https://va.sentinel.liveperson.net/sentinel/api/account/123/app/token?v=2.0"
        ));
        assert!(
            cmd.contains("https://va.faasgw.liveperson.net/api/account/123/lambdas/u/invoke?v=1&skillId=&externalSystem=survey-console")
        );
    }
}
