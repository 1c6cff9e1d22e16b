//! The shape of one function's configuration, as kept in `functions.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::EventId;

/// The platform's execution limit, and the default timeout of an invocation.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// Whether the function is deployed on the platform or still a draft.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FunctionState {
    /// Being written; the platform does not invoke it.
    #[default]
    Draft,
    /// Deployed: the platform invokes it on its event.
    Deployed,
}

impl FunctionState {
    /// "draft" or "deployed".
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionState::Draft => "draft",
            FunctionState::Deployed => "deployed",
        }
    }
}

/// A secret field: `env:NAME` (read from the environment when used) or empty (typed in the
/// console for the session only). Plain values are never stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretRef(pub String);

impl SecretRef {
    /// A reference to an environment variable.
    pub fn env(name: &str) -> SecretRef {
        SecretRef(format!("env:{name}"))
    }

    /// The environment variable's name, when the secret is one.
    pub fn env_name(&self) -> Option<&str> {
        self.0
            .strip_prefix("env:")
            .map(str::trim)
            .filter(|n| !n.is_empty())
    }

    /// True when the secret is to be typed in for the session.
    pub fn is_session(&self) -> bool {
        self.0.trim().is_empty()
    }

    /// True when the field holds something that is neither a reference nor empty: a plain
    /// secret, which the console refuses to store.
    pub fn is_plain(&self) -> bool {
        !self.is_session() && self.env_name().is_none()
    }

    /// How the secret is shown: `env:NAME`, or "typed in for this session".
    pub fn describe(&self) -> String {
        match self.env_name() {
            Some(name) => format!("env:{name}"),
            None if self.is_session() => "typed in for this session".to_owned(),
            None => "••••••".to_owned(),
        }
    }
}

/// How an `http` endpoint authenticates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Auth {
    /// No Authorization header.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer { token: SecretRef },
    /// `Authorization: Basic base64(user:password)`.
    Basic { user: String, password: SecretRef },
}

/// A LivePerson region, naming its gateway and sentinel hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// North America.
    Va,
    /// Europe.
    Lo,
    /// Asia Pacific.
    Sy,
}

impl Region {
    /// Every region.
    pub const ALL: [Region; 3] = [Region::Va, Region::Lo, Region::Sy];

    /// "va", "lo" or "sy".
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Va => "va",
            Region::Lo => "lo",
            Region::Sy => "sy",
        }
    }

    /// The Functions gateway base URL.
    pub fn gateway_url(self) -> String {
        format!("https://{}.faasgw.liveperson.net", self.as_str())
    }

    /// The sentinel (OAuth) base URL.
    pub fn sentinel_url(self) -> String {
        format!("https://{}.sentinel.liveperson.net", self.as_str())
    }
}

/// Where an invocation goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Endpoint {
    /// Any URL, e.g. a function server on the operator's machine.
    Http {
        url: String,
        #[serde(default)]
        auth: Auth,
    },
    /// A function deployed on LivePerson Functions.
    Liveperson {
        account_id: String,
        lambda_uuid: String,
        /// A region, standing for both base URLs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<Region>,
        /// The gateway base URL (http:// allowed, for a stand-in on the operator's machine).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gateway_url: Option<String>,
        /// The sentinel base URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sentinel_url: Option<String>,
        client_id: String,
        client_secret: SecretRef,
    },
    /// The function's code, run in-process.
    Local,
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint::Http {
            url: "http://127.0.0.1:8080/".to_owned(),
            auth: Auth::None,
        }
    }
}

impl Endpoint {
    /// "http", "liveperson" or "local".
    pub fn kind(&self) -> &'static str {
        match self {
            Endpoint::Http { .. } => "http",
            Endpoint::Liveperson { .. } => "liveperson",
            Endpoint::Local => "local",
        }
    }

    /// The gateway and sentinel base URLs of a LivePerson endpoint (explicit URLs win over the
    /// region).
    pub fn liveperson_bases(&self) -> Option<(String, String)> {
        let Endpoint::Liveperson {
            region,
            gateway_url,
            sentinel_url,
            ..
        } = self
        else {
            return None;
        };
        let pick = |explicit: &Option<String>, from_region: fn(Region) -> String| {
            explicit
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(|u| u.trim_end_matches('/').to_owned())
                .or_else(|| region.map(from_region))
        };
        Some((
            pick(gateway_url, Region::gateway_url)?,
            pick(sentinel_url, Region::sentinel_url)?,
        ))
    }

    /// A one-line description without secrets: the URL, or the LivePerson function.
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Http { url, .. } => url.clone(),
            Endpoint::Liveperson {
                account_id,
                lambda_uuid,
                ..
            } => match self.liveperson_bases() {
                Some((gateway, _)) => {
                    format!("{gateway}/api/account/{account_id}/lambdas/{lambda_uuid}/invoke?v=1")
                }
                None => format!("LivePerson account {account_id}, lambda {lambda_uuid}"),
            },
            Endpoint::Local => "in-process (local code)".to_owned(),
        }
    }

    /// The secret fields of this endpoint, by field path.
    pub fn secrets(&self) -> Vec<(&'static str, &SecretRef)> {
        match self {
            Endpoint::Http {
                auth: Auth::Bearer { token },
                ..
            } => vec![("endpoint.auth.token", token)],
            Endpoint::Http {
                auth: Auth::Basic { password, .. },
                ..
            } => vec![("endpoint.auth.password", password)],
            Endpoint::Liveperson { client_secret, .. } => {
                vec![("endpoint.client_secret", client_secret)]
            }
            _ => Vec::new(),
        }
    }
}

/// The one function of an event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FunctionConfig {
    /// The function's name on the platform.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Draft or deployed.
    pub state: FunctionState,
    /// The function's JavaScript code.
    pub code: String,
    /// Invocation timeout in milliseconds.
    pub timeout_ms: u64,
    /// Extra request headers.
    pub headers: BTreeMap<String, String>,
    /// Where invocations go.
    pub endpoint: Endpoint,
    /// Keys this version of the console does not know, kept as they are when saving.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Default for FunctionConfig {
    fn default() -> Self {
        FunctionConfig {
            name: String::new(),
            description: String::new(),
            state: FunctionState::Draft,
            code: String::new(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
            headers: BTreeMap::new(),
            endpoint: Endpoint::default(),
            extra: BTreeMap::new(),
        }
    }
}

impl FunctionConfig {
    /// A new draft function for `event`, its code from the event's template.
    pub fn from_template(event: EventId, name: &str) -> FunctionConfig {
        FunctionConfig {
            name: name.to_owned(),
            description: format!("{} function", event.name()),
            code: event.spec().template.to_owned(),
            ..FunctionConfig::default()
        }
    }

    /// A name suggested for a new function of `event`.
    pub fn suggested_name(event: EventId) -> &'static str {
        match event {
            EventId::MessagingSurveyStarted => "pcs-started",
            EventId::MessagingSurveyEnded => "pcs-ended",
            EventId::ChatPostSurveyEmailTranscript => "chat-transcript-emails",
        }
    }
}
