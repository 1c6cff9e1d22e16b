//! Proxies named in the environment, read as curl reads them (and as the console's earlier
//! HTTP client did): `HTTPS_PROXY` for https origins, `HTTP_PROXY` for http ones, `ALL_PROXY`
//! for both, lower-case spellings too, and `NO_PROXY` (comma-separated host names, which
//! also match their subdomains, IP addresses, networks like `10.0.0.0/8`, or `*`) for the
//! hosts reached directly. Credentials in a proxy URL (`http://user:password@proxy:3128`) are
//! sent to the proxy as `Proxy-Authorization: Basic …`, never to the origin, and never shown.
//!
//! An https origin is reached through an HTTP `CONNECT` tunnel, inside which TLS runs end to
//! end with the origin (the proxy sees only the host and port); an http origin gets its
//! requests in absolute form (`POST http://host/path HTTP/1.1`) on a connection to the proxy.
//! Only `http://` proxies are spoken: a proxy URL with another scheme (`https://`, `socks5://`)
//! is refused with an error that says so, before anything is sent.

use std::sync::OnceLock;

use http::HeaderValue;
use hyper_util::client::proxy::matcher::Matcher;

use super::connect::Origin;
use super::{NetError, NetErrorKind};

/// A proxy that an origin's connections go through.
#[derive(Clone, Debug)]
pub struct Proxy {
    /// The proxy's host.
    pub host: String,
    /// The proxy's port (80 when its URL has none).
    pub port: u16,
    /// `Proxy-Authorization`, from credentials in the proxy URL (marked sensitive).
    pub auth: Option<HeaderValue>,
    /// The environment variable that named it.
    pub source: &'static str,
}

impl Proxy {
    /// How messages and notes name the proxy: its URL without credentials, and where it came
    /// from.
    pub fn describe(&self) -> String {
        format!("http://{}:{} ({})", self.host, self.port, self.source)
    }
}

/// How connections to an origin are made.
#[derive(Clone, Debug)]
pub enum Route {
    /// Straight to the origin.
    Direct,
    /// To the proxy, requests in absolute form (an http origin).
    Forward(Proxy),
    /// Through a `CONNECT` tunnel of the proxy (an https origin).
    Tunnel(Proxy),
}

impl Route {
    /// The proxy of the route, if any.
    pub fn proxy(&self) -> Option<&Proxy> {
        match self {
            Route::Direct => None,
            Route::Forward(p) | Route::Tunnel(p) => Some(p),
        }
    }
}

/// The proxy settings of the process.
pub struct Proxies {
    matcher: Matcher,
    http: Setting,
    https: Setting,
    /// The `NO_PROXY` list.
    no: String,
}

/// What one scheme's variable holds.
#[derive(Clone, Debug, Default)]
struct Setting {
    /// The variable that holds the proxy and its value.
    from: Option<(&'static str, String)>,
}

fn first_set(names: &[&'static str]) -> Option<(&'static str, String)> {
    names.iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (*name, v))
    })
}

impl Proxies {
    /// The settings in the environment (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`
    /// and their lower-case spellings). Under CGI (`REQUEST_METHOD` set) no proxy is used, as
    /// curl does, since a request's `Proxy:` header would show up as `HTTP_PROXY`.
    pub fn from_env() -> Proxies {
        if std::env::var_os("REQUEST_METHOD").is_some() {
            return Proxies::from_values("", "", "", "");
        }
        let all = first_set(&["ALL_PROXY", "all_proxy"]);
        let http = first_set(&["HTTP_PROXY", "http_proxy"]).or_else(|| all.clone());
        let https = first_set(&["HTTPS_PROXY", "https_proxy"]).or(all);
        let no = first_set(&["NO_PROXY", "no_proxy"])
            .map(|(_, v)| v)
            .unwrap_or_default();
        Proxies::build(http, https, &no)
    }

    /// Settings as given (for tests and callers that read them elsewhere): the http proxy, the
    /// https proxy, the proxy for both, and the hosts reached directly; empty for none.
    pub fn from_values(http: &str, https: &str, all: &str, no: &str) -> Proxies {
        let given = |name: &'static str, value: &str| {
            (!value.trim().is_empty()).then(|| (name, value.to_owned()))
        };
        let all = given("ALL_PROXY", all);
        Proxies::build(
            given("HTTP_PROXY", http).or_else(|| all.clone()),
            given("HTTPS_PROXY", https).or(all),
            no,
        )
    }

    fn build(
        http: Option<(&'static str, String)>,
        https: Option<(&'static str, String)>,
        no: &str,
    ) -> Proxies {
        let value = |s: &Option<(&'static str, String)>| {
            s.as_ref().map(|(_, v)| v.clone()).unwrap_or_default()
        };
        let matcher = Matcher::builder()
            .http(value(&http))
            .https(value(&https))
            .no(no.to_owned())
            .build();
        Proxies {
            matcher,
            http: Setting { from: http },
            https: Setting { from: https },
            no: no.to_owned(),
        }
    }

    /// How to reach `origin`: directly, or through the proxy its scheme's variable names
    /// (unless `NO_PROXY` lists its host). A proxy URL the console cannot use is an error
    /// that names the variable.
    pub fn route(&self, origin: &Origin, url: &str) -> Result<Route, NetError> {
        let setting = if origin.tls { &self.https } else { &self.http };
        let Some((source, value)) = &setting.from else {
            return Ok(Route::Direct);
        };
        if self.no.split(',').any(|entry| entry.trim() == "*") {
            // curl's "every host": the matcher takes `*` for a domain, which no IP address is.
            return Ok(Route::Direct);
        }
        let scheme = if origin.tls { "https" } else { "http" };
        let Ok(target) = http::Uri::builder()
            .scheme(scheme)
            .authority(authority(origin))
            .path_and_query("/")
            .build()
        else {
            return Err(NetError::invalid_url(url, "no usable host for a proxy"));
        };
        let Some(intercept) = self.matcher.intercept(&target) else {
            // Listed in NO_PROXY, or a value the matcher could not read at all.
            return match unusable(value) {
                Some(why) if !self.bypassed(origin) => Err(refused(source, &why, url)),
                _ => Ok(Route::Direct),
            };
        };
        let uri = intercept.uri();
        if uri.scheme_str() != Some("http") {
            let scheme = uri.scheme_str().unwrap_or("?");
            return Err(refused(
                source,
                &format!(
                    "{scheme}:// proxies are not supported, only http:// ones (HTTPS goes through the http proxy's CONNECT tunnel)"
                ),
                url,
            ));
        }
        let Some(host) = uri.host().map(str::to_owned) else {
            return Err(refused(source, "the proxy URL has no host", url));
        };
        let proxy = Proxy {
            host,
            port: uri.port_u16().unwrap_or(80),
            auth: intercept.basic_auth().cloned(),
            source,
        };
        Ok(if origin.tls {
            Route::Tunnel(proxy)
        } else {
            Route::Forward(proxy)
        })
    }

    /// True when `NO_PROXY` lists the origin's host.
    fn bypassed(&self, origin: &Origin) -> bool {
        if self.no.split(',').any(|entry| entry.trim() == "*") {
            return true;
        }
        // A matcher with a catch-all proxy tells whether NO_PROXY lets the host through.
        let probe = Matcher::builder()
            .all("http://probe.invalid:1".to_owned())
            .no(self.no.clone())
            .build();
        let scheme = if origin.tls { "https" } else { "http" };
        http::Uri::builder()
            .scheme(scheme)
            .authority(authority(origin))
            .path_and_query("/")
            .build()
            .map(|uri| probe.intercept(&uri).is_none())
            .unwrap_or(false)
    }
}

fn authority(origin: &Origin) -> String {
    if origin.host.contains(':') && !origin.host.starts_with('[') {
        format!("[{}]:{}", origin.host, origin.port)
    } else {
        format!("{}:{}", origin.host, origin.port)
    }
}

/// A proxy value as messages show it: any credentials in it replaced by `***`.
fn shown(value: &str) -> String {
    let value = value.trim();
    let start = value.find("://").map_or(0, |at| at + 3);
    let authority_end = value[start..]
        .find(['/', '?', '#'])
        .map_or(value.len(), |at| start + at);
    match value[start..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &value[..start], &value[start + at..]),
        None => value.to_owned(),
    }
}

/// Why a proxy value cannot be used at all, if it cannot.
fn unusable(value: &str) -> Option<String> {
    match value.trim().parse::<http::Uri>() {
        Err(e) => Some(format!("'{}' is not a URL ({e})", shown(value))),
        Ok(uri) if uri.authority().is_none() => {
            Some(format!("'{}' names no host and port", shown(value)))
        }
        Ok(uri) => match uri.scheme_str() {
            None | Some("http") => None,
            Some(other) => Some(format!(
                "{other}:// proxies are not supported, only http:// ones"
            )),
        },
    }
}

fn refused(source: &str, why: &str, url: &str) -> NetError {
    NetError::new(
        NetErrorKind::Proxy,
        format!("the proxy in {source} cannot be used: {why}; nothing was sent"),
        url,
    )
}

/// The settings of this process, read from the environment once.
pub fn from_env() -> &'static Proxies {
    static PROXIES: OnceLock<Proxies> = OnceLock::new();
    PROXIES.get_or_init(Proxies::from_env)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(tls: bool, host: &str, port: u16) -> Origin {
        Origin {
            tls,
            host: host.to_owned(),
            port,
        }
    }

    #[test]
    fn each_scheme_takes_its_own_proxy_and_no_proxy_wins() {
        let proxies = Proxies::from_values(
            "http://127.0.0.1:3128",
            "http://user:p%40ss@10.0.0.1:8080",
            "",
            "internal.example, 192.168.0.0/16",
        );
        let url = "https://va.faasgw.liveperson.net/";
        let Route::Tunnel(p) = proxies
            .route(&origin(true, "va.faasgw.liveperson.net", 443), url)
            .unwrap()
        else {
            panic!("https goes through a tunnel")
        };
        assert_eq!(
            (p.host.as_str(), p.port, p.source),
            ("10.0.0.1", 8080, "HTTPS_PROXY")
        );
        // user:p@ss in Basic.
        assert_eq!(p.auth.as_ref().unwrap(), "Basic dXNlcjpwQHNz");
        assert!(!p.describe().contains("user"), "{}", p.describe());
        let Route::Forward(p) = proxies
            .route(&origin(false, "chat.example.com", 80), url)
            .unwrap()
        else {
            panic!("http is forwarded")
        };
        assert_eq!((p.port, p.auth.is_none()), (3128, true));
        for (tls, host) in [
            (true, "api.internal.example"),
            (false, "internal.example"),
            (true, "192.168.4.2"),
        ] {
            assert!(
                matches!(
                    proxies.route(&origin(tls, host, 443), url).unwrap(),
                    Route::Direct
                ),
                "{host}"
            );
        }
    }

    #[test]
    fn all_proxy_serves_both_and_no_setting_is_direct() {
        let proxies = Proxies::from_values("", "", "http://proxy.corp:3128", "");
        assert!(matches!(
            proxies.route(&origin(true, "x.example", 443), "u").unwrap(),
            Route::Tunnel(_)
        ));
        assert!(matches!(
            proxies.route(&origin(false, "x.example", 80), "u").unwrap(),
            Route::Forward(_)
        ));
        let none = Proxies::from_values("", "", "", "");
        assert!(matches!(
            none.route(&origin(true, "x.example", 443), "u").unwrap(),
            Route::Direct
        ));
    }

    #[test]
    fn a_proxy_url_that_is_not_a_url_is_refused_without_its_password() {
        let proxies = Proxies::from_values("", "http://ops:hunter2@proxy corp:3128", "", "");
        let err = proxies
            .route(&origin(true, "x.example", 443), "https://x.example/")
            .unwrap_err();
        assert_eq!(err.kind, NetErrorKind::Proxy);
        assert!(err.message.contains("HTTPS_PROXY"), "{}", err.message);
        assert!(!err.message.contains("hunter2"), "{}", err.message);
        assert!(
            err.message.contains("http://***@proxy corp:3128"),
            "{}",
            err.message
        );
        // Listed in NO_PROXY, the host does not need the proxy at all.
        let bypassed =
            Proxies::from_values("", "http://ops:hunter2@proxy corp:3128", "", "x.example");
        assert!(matches!(
            bypassed
                .route(&origin(true, "x.example", 443), "u")
                .unwrap(),
            Route::Direct
        ));
    }

    #[test]
    fn a_proxy_the_console_cannot_speak_is_refused_by_name() {
        for value in ["socks5://127.0.0.1:1080", "https://proxy.corp:443"] {
            let proxies = Proxies::from_values("", value, "", "");
            let err = proxies
                .route(&origin(true, "x.example", 443), "https://x.example/")
                .unwrap_err();
            assert_eq!(err.kind, NetErrorKind::Proxy, "{value}");
            assert!(
                err.message.contains("HTTPS_PROXY") && err.message.contains("only http://"),
                "{}",
                err.message
            );
        }
    }
}
