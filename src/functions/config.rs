//! The shape of one function's configuration, as kept in `functions.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::EventId;

/// The platform's execution limit, and the default timeout of an invocation.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// Whether the function is deployed on the platform or still a draft.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
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

/// The kind of an endpoint, as records, the CLI and the console name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum EndpointKind {
    /// Any URL with optional bearer or basic auth.
    Http,
    /// A function deployed on LivePerson Functions.
    Liveperson,
    /// The function's code, run on this machine.
    Local,
    /// An ad-hoc URL given for one invocation (`--url`), not a configured endpoint.
    #[value(skip)]
    Url,
}

impl EndpointKind {
    /// `http`, `liveperson`, `local` or `url`.
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointKind::Http => "http",
            EndpointKind::Liveperson => "liveperson",
            EndpointKind::Local => "local",
            EndpointKind::Url => "url",
        }
    }
}

impl std::fmt::Display for EndpointKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which LivePerson Functions platform generation the gateway speaks.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Decided from the gateway's domain, as LivePerson's own client decides: V2 when it
    /// contains `fninvocations` or `functions`, else V1.
    #[default]
    Auto,
    /// V1: `…/invoke?v=1&externalSystem=…`, errors `{errorCode, errorMsg}`.
    V1,
    /// V2: no `v=1`, an `LP-EventSource` header, errors `{code, message}`.
    V2,
}

impl Platform {
    /// `auto`, `v1` or `v2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Auto => "auto",
            Platform::V1 => "v1",
            Platform::V2 => "v2",
        }
    }
}

/// How a LivePerson function is invoked.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum InvokeBy {
    /// By the function's UUID: `api/account/{id}/lambdas/{uuid}/invoke`.
    #[default]
    Lambda,
    /// As the event source does, by the event's platform id:
    /// `api/account/{id}/events/{event}/invoke` (the function deployed for that event).
    Event,
}

impl InvokeBy {
    /// `lambda` or `event`.
    pub fn as_str(self) -> &'static str {
        match self {
            InvokeBy::Lambda => "lambda",
            InvokeBy::Event => "event",
        }
    }
}

/// Retries of a LivePerson invocation unless set: as many as LivePerson's own client makes.
pub const DEFAULT_RETRIES: u32 = 3;

/// The most retries a LivePerson endpoint may ask for.
pub const MAX_RETRIES: u32 = 10;

/// The `externalSystem` (V1) or `LP-EventSource` (V2) sent unless set.
pub const DEFAULT_EXTERNAL_SYSTEM: &str = "survey-console";

fn is_default_retries(n: &u32) -> bool {
    *n == DEFAULT_RETRIES
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// A function deployed on LivePerson Functions, and how to reach it. With only the account id
/// the gateway and sentinel are found through CSDS; `region`, `gateway_url`, `sentinel_url` and
/// `csds_url` override that.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LivepersonEndpoint {
    /// The account (site) id.
    pub account_id: String,
    /// The function's UUID (for `invoke: lambda`).
    pub lambda_uuid: String,
    /// A region, standing for both base URLs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    /// The gateway base URL (http:// allowed, for a stand-in on the operator's machine).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_url: Option<String>,
    /// The sentinel base URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentinel_url: Option<String>,
    /// The CSDS base URL that lists the account's hosts (default: LivePerson's, by the
    /// account's prefix). Hosts found through an http:// one are called over http (a stand-in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csds_url: Option<String>,
    /// V1, V2, or decided from the gateway's domain.
    #[serde(skip_serializing_if = "is_default")]
    pub platform: Platform,
    /// By the function's UUID, or by the event as the event source invokes.
    #[serde(skip_serializing_if = "is_default")]
    pub invoke: InvokeBy,
    /// Retries on resets, timeouts and 5xx (0 turns them off).
    #[serde(skip_serializing_if = "is_default_retries")]
    pub retries: u32,
    /// The `skillId` query parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skill_id: Option<String>,
    /// The `externalSystem` / `LP-EventSource` (default `survey-console`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_system: Option<String>,
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret (a reference, never the secret itself).
    pub client_secret: SecretRef,
}

impl Default for LivepersonEndpoint {
    fn default() -> Self {
        LivepersonEndpoint {
            account_id: String::new(),
            lambda_uuid: String::new(),
            region: None,
            gateway_url: None,
            sentinel_url: None,
            csds_url: None,
            platform: Platform::Auto,
            invoke: InvokeBy::Lambda,
            retries: DEFAULT_RETRIES,
            skill_id: None,
            external_system: None,
            client_id: String::new(),
            client_secret: SecretRef::default(),
        }
    }
}

impl LivepersonEndpoint {
    /// The `externalSystem` / `LP-EventSource` value.
    pub fn external_system(&self) -> &str {
        self.external_system
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_EXTERNAL_SYSTEM)
    }

    /// The `skillId`, when one is set.
    pub fn skill_id(&self) -> Option<&str> {
        self.skill_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// Which engine runs a `local` endpoint's code.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum LocalEngine {
    /// QuickJS, embedded in the console: no set-up, fastest for batches.
    #[default]
    #[value(name = "quickjs")]
    #[serde(rename = "quickjs")]
    QuickJs,
    /// Node.js, the runtime the platform itself uses (`node` on PATH or a configured path).
    Node,
}

impl LocalEngine {
    /// `quickjs` or `node`.
    pub fn as_str(self) -> &'static str {
        match self {
            LocalEngine::QuickJs => "quickjs",
            LocalEngine::Node => "node",
        }
    }

    /// The engine's name for people: `QuickJS` or `Node.js`.
    pub fn name(self) -> &'static str {
        match self {
            LocalEngine::QuickJs => "QuickJS",
            LocalEngine::Node => "Node.js",
        }
    }
}

/// The function's code run on this machine, as the platform would run it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LocalEndpoint {
    /// The engine that runs the code.
    pub engine: LocalEngine,
}

/// The LivePerson Functions platform version a function is written for.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    /// V1: `function lambda(input, callback)`, the result only through the callback.
    #[default]
    V1,
    /// V2: `async function lambda(input)` returns its result.
    V2,
}

impl Runtime {
    /// `v1` or `v2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::V1 => "v1",
            Runtime::V2 => "v2",
        }
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
    Liveperson(LivepersonEndpoint),
    /// The function's code, run on this machine.
    Local(LocalEndpoint),
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
    /// The kind of endpoint.
    pub fn kind(&self) -> EndpointKind {
        match self {
            Endpoint::Http { .. } => EndpointKind::Http,
            Endpoint::Liveperson(_) => EndpointKind::Liveperson,
            Endpoint::Local(_) => EndpointKind::Local,
        }
    }

    /// The gateway and sentinel base URLs of a LivePerson endpoint (explicit URLs win over the
    /// region).
    pub fn liveperson_bases(&self) -> Option<(String, String)> {
        let Endpoint::Liveperson(LivepersonEndpoint {
            region,
            gateway_url,
            sentinel_url,
            ..
        }) = self
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

    /// A one-line description without secrets: the URL (a password in it redacted), or the
    /// LivePerson function.
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Http { url, .. } => crate::redact::url_passwords(url).into_owned(),
            Endpoint::Liveperson(lp) => {
                let what = match lp.invoke {
                    InvokeBy::Lambda => format!("lambda {}", lp.lambda_uuid.trim()),
                    InvokeBy::Event => "the function of the event".to_owned(),
                };
                match self.liveperson_bases() {
                    Some((gateway, _)) => {
                        format!(
                            "LivePerson account {}, {what}, {gateway}",
                            lp.account_id.trim()
                        )
                    }
                    None => format!(
                        "LivePerson account {}, {what}, hosts from CSDS",
                        lp.account_id.trim()
                    ),
                }
            }
            Endpoint::Local(local) => format!("local run ({})", local.engine.name()),
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
            Endpoint::Liveperson(lp) => vec![("endpoint.client_secret", &lp.client_secret)],
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
    /// The platform version the code is written for.
    pub runtime: Runtime,
    /// The function's environment variables (`process.env` on the platform).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// Domains the function may call out to (the platform's allowlist).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowlist: Vec<String>,
    /// What the toolbelt's `SecretClient` reads in a local run, by secret name: `env:NAME` or
    /// empty (typed in for the session); never the secret itself.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, SecretRef>,
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
            runtime: Runtime::default(),
            environment: BTreeMap::new(),
            allowlist: Vec::new(),
            secrets: BTreeMap::new(),
            extra: BTreeMap::new(),
        }
    }
}

impl FunctionConfig {
    /// A new draft function for `event`, its code from the event's template (V1). It runs
    /// in-process (the engine is always there), so its first invocation works before an
    /// endpoint is set up.
    pub fn from_template(event: EventId, name: &str) -> FunctionConfig {
        FunctionConfig {
            name: name.to_owned(),
            description: format!("{} function", event.name()),
            code: event.spec().template.to_owned(),
            endpoint: Endpoint::Local(LocalEndpoint::default()),
            ..FunctionConfig::default()
        }
    }

    /// The event's template for a platform version.
    pub fn template(event: EventId, runtime: Runtime) -> &'static str {
        match runtime {
            Runtime::V1 => event.spec().template,
            Runtime::V2 => event.spec().template_v2,
        }
    }

    /// A name suggested for a new function of `event`.
    pub fn suggested_name(event: EventId) -> &'static str {
        event.spec().suggested_function_name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_their_file_shape() {
        let local: Endpoint = serde_json::from_str(r#"{"kind":"local"}"#).unwrap();
        assert_eq!(local, Endpoint::Local(LocalEndpoint::default()));
        assert_eq!(local.kind(), EndpointKind::Local);
        let node: Endpoint = serde_json::from_str(r#"{"kind":"local","engine":"node"}"#).unwrap();
        assert_eq!(
            node,
            Endpoint::Local(LocalEndpoint {
                engine: LocalEngine::Node
            })
        );
        let text = r#"{"kind":"liveperson","account_id":"123","lambda_uuid":"u","region":"va","client_id":"c","client_secret":"env:S"}"#;
        let lp: Endpoint = serde_json::from_str(text).unwrap();
        let Endpoint::Liveperson(inner) = &lp else {
            panic!("not a LivePerson endpoint: {lp:?}");
        };
        assert_eq!(inner.region, Some(Region::Va));
        assert_eq!(inner.client_secret.env_name(), Some("S"));
        assert_eq!(serde_json::to_string(&lp).unwrap(), text);
    }

    #[test]
    fn runtime_defaults_to_v1_and_empty_settings_are_not_written() {
        let config: FunctionConfig = serde_json::from_str(r#"{"name":"f"}"#).unwrap();
        assert_eq!(config.runtime, Runtime::V1);
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(json["runtime"], "v1");
        assert!(json.get("environment").is_none() && json.get("allowlist").is_none());
    }
}
