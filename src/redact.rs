//! Redaction: no secret leaves the console in anything it records or prints.
//!
//! Two rules, applied to every record before it is kept (history), shown (console), printed
//! (text, `--json`) or reported (batch JSON, JUnit):
//!
//! - The password of any URL (`https://user:secret@host/…`) is replaced by `<redacted>`
//!   ([`url_passwords`]), wherever the URL appears: the endpoint, error messages, bodies.
//! - Every secret value the console used for a call — a bearer token, a basic-auth password, a
//!   LivePerson client secret or access token, a header read from `env:NAME`, the password of
//!   a URL — is replaced wherever it appears, in the forms a server may echo it in (as it is,
//!   percent-encoded as in a form body, JSON-escaped). A server that echoes a token in its
//!   answer or quotes a client secret in an `error_description` shows `<redacted>`.

use std::borrow::Cow;

use serde_json::Value;

/// What stands for a secret in every record and output.
pub const REDACTED: &str = "<redacted>";

/// Secrets shorter than this are not searched for: masking every "ab" in a body would make it
/// unreadable and protect little (such a secret is refused as too weak nowhere, but is kept
/// out of records by the header and URL rules).
pub const MIN_MASKED_LEN: usize = 4;

/// `text` with the password of every URL in it replaced by [`REDACTED`].
pub fn url_passwords(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = text.get(search..).and_then(|rest| rest.find("://")) {
        let authority_start = search + found + 3;
        let rest = &text[authority_start..];
        let authority_len = rest
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | '`' | '\\')
                    || c.is_whitespace()
            })
            .unwrap_or(rest.len());
        let authority = &rest[..authority_len];
        search = authority_start + authority_len;
        let Some(at) = authority.rfind('@') else {
            continue;
        };
        let userinfo = &authority[..at];
        let Some(colon) = userinfo.find(':') else {
            continue;
        };
        let password = &userinfo[colon + 1..];
        if password.is_empty() || password == REDACTED {
            continue;
        }
        let password_start = authority_start + colon + 1;
        out.push_str(&text[copied..password_start]);
        out.push_str(REDACTED);
        copied = password_start + password.len();
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The password in a URL's user info, when it has one (percent-decoding is not applied: the
/// text is what appears in the URL).
pub fn url_password(url: &str) -> Option<&str> {
    let authority = url.trim().split_once("://")?.1;
    let end = authority.find(['/', '?', '#']).unwrap_or(authority.len());
    let (userinfo, _) = authority[..end].rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then_some(password)
}

/// Secrets the console obtained itself (access tokens it fetched), masked in every record made
/// after, whichever call used them.
static ISSUED: std::sync::Mutex<Secrets> = std::sync::Mutex::new(Secrets { forms: Vec::new() });

/// Keeps `value` as a secret of this process (see [`remembered`]).
pub fn remember(value: &str) {
    ISSUED.lock().unwrap_or_else(|p| p.into_inner()).add(value);
}

/// The secrets this process obtained itself.
pub fn remembered() -> Secrets {
    ISSUED.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// The secret values known for one operation, to be masked in what it records.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    /// Every form to search for, longest first (so a secret inside another is masked whole).
    forms: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} forms)", self.forms.len())
    }
}

impl Secrets {
    /// No secrets.
    pub fn new() -> Secrets {
        Secrets::default()
    }

    /// Adds a secret value, with the forms a server may echo it in.
    pub fn add(&mut self, value: &str) {
        let value = value.trim();
        if value.len() < MIN_MASKED_LEN {
            return;
        }
        let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let escaped = serde_json::to_string(value).unwrap_or_default();
        let escaped = escaped
            .strip_prefix('"')
            .and_then(|e| e.strip_suffix('"'))
            .unwrap_or(value)
            .to_owned();
        for form in [value.to_owned(), encoded, escaped] {
            if !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// True when no secret is known.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// `text` with every known secret and every URL password replaced by [`REDACTED`].
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = url_passwords(text);
        for form in &self.forms {
            if text.contains(form.as_str()) {
                text = Cow::Owned(text.replace(form.as_str(), REDACTED));
            }
        }
        text
    }

    /// Masks a string in place.
    pub fn mask_string(&self, text: &mut String) {
        if let Cow::Owned(masked) = self.mask(text) {
            *text = masked;
        }
    }

    /// Masks every string (and object key) of a JSON value in place.
    pub fn mask_value(&self, value: &mut Value) {
        // An explicit stack: a deep value never overflows the thread's stack.
        let mut stack = vec![value];
        while let Some(value) = stack.pop() {
            match value {
                Value::String(s) => self.mask_string(s),
                Value::Array(items) => stack.extend(items.iter_mut()),
                Value::Object(map) => {
                    let renamed: Vec<(String, String)> = map
                        .keys()
                        .filter_map(|k| match self.mask(k) {
                            Cow::Owned(masked) => Some((k.clone(), masked)),
                            Cow::Borrowed(_) => None,
                        })
                        .collect();
                    for (old, new) in renamed {
                        if let Some(v) = map.shift_remove(&old) {
                            map.insert(new, v);
                        }
                    }
                    stack.extend(map.values_mut());
                }
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_masked_wherever_they_appear() {
        assert_eq!(
            url_passwords("POST http://ops:s3cr3t@fn.local:8080/x failed: http://h/"),
            "POST http://ops:<redacted>@fn.local:8080/x failed: http://h/"
        );
        assert_eq!(
            url_passwords("{\"url\":\"https://a:b:c@h\"}"),
            "{\"url\":\"https://a:<redacted>@h\"}"
        );
        for kept in [
            "http://user@h/",
            "http://h:8080/a@b",
            "mailto:a@b",
            "no url",
            "http://:@h",
        ] {
            assert!(matches!(url_passwords(kept), Cow::Borrowed(_)), "{kept}");
        }
        assert_eq!(url_password("http://u:p%40ss@h/x"), Some("p%40ss"));
        assert_eq!(url_password("http://u@h/x"), None);
    }

    #[test]
    fn known_secrets_are_masked_in_the_forms_servers_echo() {
        let mut secrets = Secrets::new();
        secrets.add("tok+en/1\"x");
        secrets.add("ab");
        assert_eq!(secrets.mask("got tok+en/1\"x"), "got <redacted>");
        assert_eq!(
            secrets.mask("client_secret=tok%2Ben%2F1%22x"),
            "client_secret=<redacted>"
        );
        assert_eq!(
            secrets.mask(r#"{"echo":"tok+en/1\"x"}"#),
            r#"{"echo":"<redacted>"}"#
        );
        assert_eq!(secrets.mask("ab stays"), "ab stays");
        let mut value = serde_json::json!({"a": ["tok+en/1\"x", {"tok+en/1\"x": 1}], "b": 2});
        secrets.mask_value(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"a": ["<redacted>", {"<redacted>": 1}], "b": 2})
        );
        assert_eq!(format!("{secrets:?}"), "Secrets(3 forms)");
    }
}
