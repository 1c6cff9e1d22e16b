//! LivePerson Functions as its own client (npm `liveperson-functions-client`) talks to it:
//! the gateway and sentinel found per account through CSDS (its host rule per account prefix,
//! a 10-minute cache), V1 or V2 decided from the gateway's domain, invocation by lambda UUID or
//! by event, `isImplemented`, and client-credential tokens refreshed before the JWT's `exp`.
//! Overrides (`region`, `gateway_url`, `sentinel_url`, `csds_url`) win over discovery.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::Value;

use super::record::{ErrorKind, InvokeError};
use crate::catalog::EventId;
use crate::functions::{InvokeBy, LivepersonEndpoint, Platform};
use crate::net::{self, NetError};

/// How long CSDS answers are kept (the official client's `csdsTtlSeconds`).
pub const CSDS_TTL: Duration = Duration::from_secs(600);

/// A JWT is replaced this long before its `exp` (the official client's
/// `jwtRefreshAfterMinutes`).
pub const JWT_REFRESH_BEFORE: Duration = Duration::from_secs(30 * 60);

/// The CSDS service names of the gateway and the sentinel.
pub const GATEWAY_SERVICE: &str = "faasGW";
/// The sentinel's CSDS service name.
pub const SENTINEL_SERVICE: &str = "sentinel";

/// The CSDS host of an account, by its prefix, as the official client picks it.
pub fn csds_domain(account_id: &str) -> &'static str {
    let id = account_id.trim();
    if id.starts_with("le") || id.starts_with("qa") || id.starts_with('c') {
        "csds-app.qa.int.gw.lpcloud.io"
    } else if id.starts_with("fr") {
        "adminlogin-z0-intg.liveperson.net"
    } else if id.starts_with('a') {
        "adminlogin-a.liveperson.net"
    } else {
        "adminlogin.liveperson.net"
    }
}

/// True when a gateway's domain is a V2 one (the official client's `isV2Domain`).
pub fn is_v2_domain(domain: &str) -> bool {
    domain.contains("fninvocations") || domain.contains("functions")
}

/// The hosts and platform generation an invocation uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hosts {
    /// The gateway's base URL (`https://host`, or an override as given).
    pub gateway: String,
    /// The sentinel's base URL.
    pub sentinel: String,
    /// True when the gateway speaks V2.
    pub v2: bool,
    /// True when a host came from CSDS.
    pub discovered: bool,
}

fn trimmed(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.trim_end_matches('/').to_owned())
}

fn config_error(code: &str, message: impl Into<String>) -> InvokeError {
    InvokeError::new(ErrorKind::Config, code, message)
}

/// The CSDS URL that lists the account's hosts.
pub fn csds_lookup_url(lp: &LivepersonEndpoint) -> String {
    let base =
        trimmed(&lp.csds_url).unwrap_or_else(|| format!("http://{}", csds_domain(&lp.account_id)));
    format!(
        "{base}/api/account/{}/service/baseURI.json?version=1.0",
        lp.account_id.trim()
    )
}

/// Finds the gateway and sentinel: overrides first, then the region, then CSDS.
pub async fn resolve(lp: &LivepersonEndpoint, deadline: Duration) -> Result<Hosts, InvokeError> {
    let from_region = |f: fn(crate::functions::Region) -> String| lp.region.map(f);
    let mut gateway =
        trimmed(&lp.gateway_url).or_else(|| from_region(crate::functions::Region::gateway_url));
    let mut sentinel =
        trimmed(&lp.sentinel_url).or_else(|| from_region(crate::functions::Region::sentinel_url));
    let mut discovered = false;
    if gateway.is_none() || sentinel.is_none() {
        let services = csds_services(lp, deadline).await?;
        // Hosts listed by a stand-in CSDS at an http:// URL are called over http too.
        let scheme = match trimmed(&lp.csds_url) {
            Some(url) if url.starts_with("http://") => "http",
            _ => "https",
        };
        let find = |service: &str| -> Result<String, InvokeError> {
            services
                .iter()
                .find(|(s, _)| s == service)
                .map(|(_, host)| format!("{scheme}://{}", host.trim_end_matches('/')))
                .ok_or_else(|| {
                    InvokeError::new(
                        ErrorKind::Platform,
                        "csds-service-missing",
                        format!(
                            "CSDS lists no {service} for account {}: is LivePerson Functions enabled on this account? {}",
                            lp.account_id.trim(),
                            csds_lookup_url(lp)
                        ),
                    )
                })
        };
        if gateway.is_none() {
            gateway = Some(find(GATEWAY_SERVICE)?);
        }
        if sentinel.is_none() {
            sentinel = Some(find(SENTINEL_SERVICE)?);
        }
        discovered = true;
    }
    let (Some(gateway), Some(sentinel)) = (gateway, sentinel) else {
        return Err(config_error("no-hosts", "no gateway or sentinel"));
    };
    let domain = url::Url::parse(&gateway)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| gateway.clone());
    let v2 = match lp.platform {
        Platform::V1 => false,
        Platform::V2 => true,
        Platform::Auto => is_v2_domain(&domain),
    };
    Ok(Hosts {
        gateway,
        sentinel,
        v2,
        discovered,
    })
}

type Services = Vec<(String, String)>;

/// CSDS answers by lookup URL, with when they were fetched.
type CsdsCache = Mutex<HashMap<String, (Instant, Arc<Services>)>>;

fn csds_cache() -> &'static CsdsCache {
    static CACHE: OnceLock<CsdsCache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The account's services from CSDS (`service` → `baseURI`), cached for [`CSDS_TTL`].
async fn csds_services(
    lp: &LivepersonEndpoint,
    deadline: Duration,
) -> Result<Arc<Services>, InvokeError> {
    let url = csds_lookup_url(lp);
    if let Some((at, services)) = csds_cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&url)
        && at.elapsed() < CSDS_TTL
    {
        return Ok(Arc::clone(services));
    }
    let parsed = net::check_url(&url).map_err(|e| config_error("invalid-url", e.to_string()))?;
    let mut request = net::Request::new(http::Method::GET, parsed);
    let _ = request.header("Accept", "application/json");
    let _ = request.header("User-Agent", net::USER_AGENT);
    let mut options = net::Options::new(deadline);
    options.body_cap = 1024 * 1024;
    let response = shared_exchange(request, options).await.map_err(|e| {
        InvokeError::new(
            ErrorKind::Network,
            e.kind.as_str(),
            format!("finding the account's hosts through CSDS failed: {e}"),
        )
    })?;
    let json: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    if !(200..300).contains(&response.status) {
        let (kind, code, why) = match response.status {
            400 | 404 => (
                ErrorKind::Config,
                "csds-unknown-account",
                "CSDS does not know this account id",
            ),
            _ => (
                ErrorKind::Platform,
                "csds-failed",
                "CSDS answered with an error",
            ),
        };
        return Err(InvokeError::new(
            kind,
            code,
            format!("HTTP {}: {why}: {url}", response.status),
        ));
    }
    let services: Services = json
        .get("baseURIs")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|entry| {
                    Some((
                        entry.get("service")?.as_str()?.to_owned(),
                        entry.get("baseURI")?.as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    if services.is_empty() {
        return Err(config_error(
            "csds-unknown-account",
            format!(
                "CSDS lists no hosts for account {}: {url}",
                lp.account_id.trim()
            ),
        ));
    }
    let services = Arc::new(services);
    csds_cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(url, (Instant::now(), Arc::clone(&services)));
    Ok(services)
}

/// An exchange over the shared pool, from any runtime.
pub async fn shared_exchange(
    request: net::Request,
    options: net::Options,
) -> Result<net::Response, NetError> {
    net::engine::on_shared(async move { net::engine::pooled(&request, &options).await }).await?
}

/// The invoke URL: by lambda UUID or by event, with the query the platform generation wants
/// (V1: `v=1`, `skillId`, `externalSystem`; V2: `skillId` when set).
pub fn invoke_url(hosts: &Hosts, lp: &LivepersonEndpoint, event: EventId) -> String {
    let account = lp.account_id.trim();
    let path = match lp.invoke {
        InvokeBy::Lambda => format!(
            "api/account/{account}/lambdas/{}/invoke",
            lp.lambda_uuid.trim()
        ),
        InvokeBy::Event => format!(
            "api/account/{account}/events/{}/invoke",
            event.spec().platform_id
        ),
    };
    with_query(hosts, lp, &path)
}

/// The `isImplemented` URL of an event.
pub fn is_implemented_url(hosts: &Hosts, lp: &LivepersonEndpoint, event: EventId) -> String {
    let path = format!(
        "api/account/{}/events/{}/isImplemented",
        lp.account_id.trim(),
        event.spec().platform_id
    );
    with_query(hosts, lp, &path)
}

fn with_query(hosts: &Hosts, lp: &LivepersonEndpoint, path: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if hosts.v2 {
        if let Some(skill) = lp.skill_id() {
            query.append_pair("skillId", skill);
        }
    } else {
        // As Node's querystring writes the official client's query: an unset skillId is
        // sent empty.
        query.append_pair("v", "1");
        query.append_pair("skillId", lp.skill_id().unwrap_or(""));
        query.append_pair("externalSystem", lp.external_system());
    }
    let query = query.finish();
    let base = hosts.gateway.trim_end_matches('/');
    if query.is_empty() {
        format!("{base}/{path}")
    } else {
        format!("{base}/{path}?{query}")
    }
}

/// The sentinel's token URL for an account.
pub fn token_url(sentinel_url: &str, account_id: &str) -> String {
    format!(
        "{}/sentinel/api/account/{}/app/token?v=2.0",
        sentinel_url.trim_end_matches('/'),
        account_id.trim()
    )
}

/// When a JWT expires (its `exp`), read without checking its signature.
pub fn jwt_expiry(token: &str) -> Option<SystemTime> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let json: Value = serde_json::from_slice(&bytes).ok()?;
    let exp = json.get("exp")?.as_f64()?;
    (exp > 0.0).then(|| UNIX_EPOCH + Duration::from_secs_f64(exp))
}

/// A token and when it must be replaced.
#[derive(Clone, Debug)]
struct Token {
    value: String,
    renew_at: SystemTime,
}

/// Sentinel, account, client id and a hash of the secret: another secret never reuses a token.
type TokenKey = (String, String, String, u64);

type TokenSlot = Arc<tokio::sync::Mutex<Option<Token>>>;

fn token_slot(key: TokenKey) -> TokenSlot {
    static TOKENS: OnceLock<Mutex<HashMap<TokenKey, TokenSlot>>> = OnceLock::new();
    let mut tokens = TOKENS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    Arc::clone(tokens.entry(key).or_default())
}

/// Client credentials for the sentinel.
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    /// The sentinel's base URL.
    pub sentinel: String,
    /// The account.
    pub account_id: String,
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
}

impl ClientCredentials {
    fn key(&self) -> TokenKey {
        use std::hash::{Hash as _, Hasher as _};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.client_secret.hash(&mut hasher);
        (
            self.sentinel.clone(),
            self.account_id.clone(),
            self.client_id.clone(),
            hasher.finish(),
        )
    }
}

/// A token for the credentials: the cached one while it is good, else a new one (one fetch at
/// a time per credentials). `refused` is a token the gateway just refused with 401: it is not
/// used again. Returns the token and, when one was fetched, how long that took.
pub async fn token(
    credentials: &ClientCredentials,
    refused: Option<&str>,
    deadline: Duration,
) -> Result<(String, Option<f64>), InvokeError> {
    let slot = token_slot(credentials.key());
    let mut cached = slot.lock().await;
    if let Some(token) = cached.as_ref()
        && refused != Some(token.value.as_str())
        && SystemTime::now() < token.renew_at
    {
        return Ok((token.value.clone(), None));
    }
    let started = Instant::now();
    let fresh = fetch_token(credentials, deadline).await?;
    let value = fresh.value.clone();
    // A token the platform issued is a secret of this process from now on.
    crate::redact::remember(&value);
    *cached = Some(fresh);
    Ok((value, Some(started.elapsed().as_secs_f64() * 1e3)))
}

async fn fetch_token(
    credentials: &ClientCredentials,
    deadline: Duration,
) -> Result<Token, InvokeError> {
    let url = token_url(&credentials.sentinel, &credentials.account_id);
    let parsed = net::check_url(&url).map_err(|e| config_error("invalid-url", e.to_string()))?;
    let mut request = net::Request::new(http::Method::POST, parsed);
    let _ = request.header("Content-Type", "application/x-www-form-urlencoded");
    let _ = request.header("Accept", "application/json");
    let _ = request.header("User-Agent", net::USER_AGENT);
    request.body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", &credentials.client_id)
        .append_pair("client_secret", &credentials.client_secret)
        .finish()
        .into();
    let mut options = net::Options::new(deadline);
    options.body_cap = 64 * 1024;
    options.credentials = true;
    let response = shared_exchange(request, options).await.map_err(|e| {
        InvokeError::new(
            ErrorKind::Network,
            e.kind.as_str(),
            format!("fetching an access token failed: {e}"),
        )
    })?;
    let status = response.status;
    let json: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        let (kind, reason) = match status {
            400 | 401 | 403 => (
                ErrorKind::Auth,
                "the client id or client secret was refused",
            ),
            404 => (ErrorKind::Config, "no such account or token endpoint"),
            _ => (
                ErrorKind::Platform,
                "the token endpoint answered with an error",
            ),
        };
        let said = json
            .get("error_description")
            .or_else(|| json.get("error"))
            .and_then(Value::as_str)
            .map(|s| format!(" (it says: {s})"))
            .unwrap_or_default();
        return Err(InvokeError::new(
            kind,
            &format!("http-{status}"),
            format!("fetching an access token failed: HTTP {status}, {reason}{said}: {url}"),
        ));
    }
    let Some(value) = json.get("access_token").and_then(Value::as_str) else {
        return Err(InvokeError::new(
            ErrorKind::Auth,
            "no-token",
            format!("the token endpoint's answer has no access_token: {url}"),
        ));
    };
    let renew_at = match jwt_expiry(value) {
        // As the official client: replace a JWT this long before it expires.
        Some(exp) => exp.checked_sub(JWT_REFRESH_BEFORE).unwrap_or(UNIX_EPOCH),
        // Not a JWT: trust `expires_in`, renewing a little early.
        None => {
            let lifetime = json
                .get("expires_in")
                .and_then(Value::as_u64)
                .unwrap_or(3600);
            SystemTime::now() + Duration::from_secs(lifetime.saturating_sub(30).max(1))
        }
    };
    Ok(Token {
        value: value.to_owned(),
        renew_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csds_hosts_follow_the_account_prefix() {
        assert_eq!(csds_domain("12345678"), "adminlogin.liveperson.net");
        assert_eq!(csds_domain("le123"), "csds-app.qa.int.gw.lpcloud.io");
        assert_eq!(csds_domain("qa123"), "csds-app.qa.int.gw.lpcloud.io");
        assert_eq!(csds_domain("c123"), "csds-app.qa.int.gw.lpcloud.io");
        assert_eq!(csds_domain("fr123"), "adminlogin-z0-intg.liveperson.net");
        assert_eq!(csds_domain("a123"), "adminlogin-a.liveperson.net");
        let lp = LivepersonEndpoint {
            account_id: "123".into(),
            ..LivepersonEndpoint::default()
        };
        assert_eq!(
            csds_lookup_url(&lp),
            "http://adminlogin.liveperson.net/api/account/123/service/baseURI.json?version=1.0"
        );
    }

    #[test]
    fn urls_follow_the_platform_generation() {
        let mut lp = LivepersonEndpoint {
            account_id: "123".into(),
            lambda_uuid: "u-1".into(),
            ..LivepersonEndpoint::default()
        };
        let v1 = Hosts {
            gateway: "https://va.faasgw.liveperson.net".into(),
            sentinel: String::new(),
            v2: false,
            discovered: false,
        };
        assert_eq!(
            invoke_url(&v1, &lp, EventId::MessagingSurveyEnded),
            "https://va.faasgw.liveperson.net/api/account/123/lambdas/u-1/invoke?v=1&skillId=&externalSystem=survey-console"
        );
        lp.invoke = InvokeBy::Event;
        lp.skill_id = Some("77".into());
        let v2 = Hosts { v2: true, ..v1 };
        assert_eq!(
            invoke_url(&v2, &lp, EventId::ChatPostSurveyEmailTranscript),
            "https://va.faasgw.liveperson.net/api/account/123/events/denver_post_survey_email_transcript/invoke?skillId=77"
        );
        assert_eq!(
            is_implemented_url(&v2, &lp, EventId::MessagingSurveyStarted),
            "https://va.faasgw.liveperson.net/api/account/123/events/surveybot_messaging_survey_started/isImplemented?skillId=77"
        );
        assert!(is_v2_domain("va.fninvocations.liveperson.net"));
        assert!(is_v2_domain("z1.functions.liveperson.net"));
        assert!(!is_v2_domain("va.faasgw.liveperson.net"));
    }

    #[test]
    fn jwt_expiry_is_read_from_the_payload() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"exp":1900000000,"aud":"x"}"#);
        let token = format!("eyJhbGciOiJIUzI1NiJ9.{payload}.sig");
        assert_eq!(
            jwt_expiry(&token),
            Some(UNIX_EPOCH + Duration::from_secs(1_900_000_000))
        );
        assert_eq!(jwt_expiry("opaque-token"), None);
    }
}
