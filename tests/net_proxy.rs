//! Proxies named in the environment, through the built binary and a real forward proxy on
//! 127.0.0.1: absolute-form requests for http, `CONNECT` tunnels for https (single calls,
//! batches and Rocket.Chat surveys alike), `NO_PROXY`, lower-case spellings, credentials sent
//! to the proxy only and never shown, and a clear error when the proxy says no.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::process::{Command, Output};

use serde_json::Value;
use support::proxy::{Rules, TestProxy};
use support::rocketchat::{Config, Generation, RocketChat};
use support::tls::{TlsServer, ca_file};
use support::{TestServer, sample, transcript_function};

const PROXY_VARS: [&str; 8] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The binary with exactly the proxy variables given, its files in a temp dir.
fn cli(env: &[(&str, &str)]) -> (Command, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_survey-console"));
    cmd.env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env(
            "SURVEY_CONSOLE_LIVECHAT_HISTORY",
            home.path().join("history.jsonl"),
        )
        .env(
            "SURVEY_CONSOLE_LIVECHAT_RATE_LIMITS",
            home.path().join("rates.json"),
        )
        .env("SSL_CERT_FILE", ca_file())
        .env_remove("SSL_CERT_DIR")
        .env_remove("REQUEST_METHOD");
    for var in PROXY_VARS {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    (cmd, home)
}

fn invoke(url: &str, env: &[(&str, &str)]) -> (Value, Output) {
    let (mut cmd, _home) = cli(env);
    let out = cmd
        .args([
            "invoke",
            "--event",
            "chat-post-survey-email-transcript",
            "--no-history",
            "--json",
        ])
        .args(["--url", url, "--payload"])
        .arg(sample("transcript-csat-5.json"))
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (json, out)
}

fn everything(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn http_goes_to_the_proxy_in_absolute_form_with_credentials_the_origin_never_sees() {
    let origin = TestServer::start(transcript_function);
    let proxy = TestProxy::start(Rules {
        credentials: Some("ops:s3cr3t-pw".to_owned()),
        ..Rules::default()
    });
    let with_credentials = proxy.url.replace("http://", "http://ops:s3cr3t-pw@");
    let url = origin.url("/fn");
    let (json, out) = invoke(&url, &[("HTTP_PROXY", &with_credentials)]);
    assert_eq!(json["ok"], true, "{json}");
    let seen = proxy.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].line, format!("POST {url} HTTP/1.1"));
    assert_eq!(seen[0].auth.as_deref(), Some("Basic b3BzOnMzY3IzdC1wdw=="));
    let at_origin = origin.requests.lock().unwrap().clone();
    assert_eq!(at_origin.len(), 1);
    assert_eq!(at_origin[0].url, "/fn");
    assert_eq!(at_origin[0].header("proxy-authorization"), None);
    assert!(!everything(&out).contains("s3cr3t"), "{}", everything(&out));
    // Without --json, a note names the proxy, never its password.
    let (mut cmd, _home) = cli(&[("HTTP_PROXY", &with_credentials)]);
    let out = cmd
        .args(["invoke", "--event", "chat-post-survey-email-transcript"])
        .args(["--no-history", "--url", &url, "--payload"])
        .arg(sample("transcript-csat-5.json"))
        .output()
        .unwrap();
    let text = everything(&out);
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(
        text.contains(&format!(
            "note: Sent through the proxy {} (HTTP_PROXY).",
            proxy.url
        )),
        "{text}"
    );
}

#[test]
fn https_goes_through_a_connect_tunnel_for_single_calls_and_batches() {
    let origin = TlsServer::start(true);
    let proxy = TestProxy::start(Rules::default());
    let url = format!("{}/fn", origin.base);
    let authority = origin.base.trim_start_matches("https://").to_owned();
    // The lower-case spelling, as many systems set it.
    let env = [("https_proxy", proxy.url.as_str())];
    let (json, _) = invoke(&url, &env);
    assert_eq!(json["ok"], true, "{json}");
    assert_eq!(proxy.lines(), vec![format!("CONNECT {authority} HTTP/1.1")]);

    let (mut cmd, _home) = cli(&env);
    let out = cmd
        .args([
            "batch",
            "--event",
            "chat-post-survey-email-transcript",
            "--json",
            "--url",
            &url,
            "--iterations",
            "6",
            "--concurrency",
            "2",
            "--payloads",
        ])
        .arg(sample("transcript-csat-5.json"))
        .output()
        .unwrap();
    let many: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(many["passed"], 6, "{many}");
    // TLS ran end to end through the tunnels (HTTP/2, as the origin offers it), and every
    // connection went through the proxy.
    let versions = origin.versions.lock().unwrap().clone();
    assert_eq!(versions.len(), 7);
    assert!(versions.iter().all(|v| v == "HTTP/2.0"), "{versions:?}");
    let lines = proxy.lines();
    assert!(lines.len() >= 2, "{lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| l == &format!("CONNECT {authority} HTTP/1.1")),
        "{lines:?}"
    );
}

#[test]
fn no_proxy_hosts_are_reached_directly() {
    let origin = TestServer::start(transcript_function);
    let proxy = TestProxy::start(Rules::default());
    for no in ["127.0.0.1", "127.0.0.0/8", "*"] {
        let (json, _) = invoke(
            &origin.url("/fn"),
            &[("ALL_PROXY", &proxy.url), ("no_proxy", no)],
        );
        assert_eq!(json["ok"], true, "{no}: {json}");
    }
    assert!(proxy.lines().is_empty(), "{:?}", proxy.lines());
    assert_eq!(origin.count("/fn"), 3);
}

/// A "proxy" that reads each request's head, writes `answer` (nothing: it just closes) and
/// closes: what is not an HTTP proxy, or one that goes away.
fn raw_proxy(answer: &'static [u8]) -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    std::thread::Builder::new()
        .name("raw-proxy".into())
        .spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                }
                let _ = stream.write_all(answer);
            }
        })
        .unwrap();
    url
}

#[test]
fn a_proxy_that_says_no_is_named_and_its_password_is_not() {
    let origin = TlsServer::start(false);
    let url = format!("{}/fn", origin.base);
    let strict = TestProxy::start(Rules {
        credentials: Some("ops:right".to_owned()),
        ..Rules::default()
    });
    let closed = TestProxy::start(Rules {
        tunnel_ports: vec![443],
        ..Rules::default()
    });
    let nowhere = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    let cases = [
        (strict.url.clone(), "asks for credentials (HTTP 407)"),
        (
            strict.url.replace("http://", "http://ops:wrong-pw@"),
            "refused the credentials in its URL (HTTP 407)",
        ),
        (closed.url.clone(), "refused to open a tunnel"),
        (raw_proxy(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"), "is not HTTP"),
        (
            raw_proxy(b""),
            "closed the connection before answering CONNECT",
        ),
        (nowhere, "cannot reach the proxy"),
        ("socks5://127.0.0.1:1080".to_owned(), "only http:// ones"),
    ];
    for (value, said) in cases {
        let (json, out) = invoke(&url, &[("HTTPS_PROXY", &value)]);
        assert_eq!(json["ok"], false, "{value}: {json}");
        assert_eq!(json["error"]["kind"], "network", "{value}: {json}");
        assert_eq!(json["error"]["code"], "proxy", "{value}: {json}");
        let message = json["error"]["message"].as_str().unwrap();
        assert!(message.contains(said), "{value}: {message}");
        assert!(message.contains("HTTPS_PROXY"), "{value}: {message}");
        assert!(
            !everything(&out).contains("wrong-pw"),
            "{}",
            everything(&out)
        );
    }
    assert!(origin.versions.lock().unwrap().is_empty());
}

#[test]
fn a_proxy_that_never_answers_connect_is_bounded_by_the_deadline() {
    let origin = TlsServer::start(false);
    let silent = TestProxy::start(Rules {
        silent: true,
        ..Rules::default()
    });
    let (mut cmd, _home) = cli(&[("HTTPS_PROXY", &silent.url)]);
    let out = cmd
        .args(["invoke", "--event", "chat-post-survey-email-transcript"])
        .args(["--no-history", "--json", "--timeout-ms", "1500", "--url"])
        .arg(format!("{}/fn", origin.base))
        .arg("--payload")
        .arg(sample("transcript-csat-5.json"))
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["code"], "timeout", "{json}");
    assert_eq!(silent.lines().len(), 1);
    assert!(origin.versions.lock().unwrap().is_empty());
}

#[test]
fn rocket_chat_surveys_go_through_the_proxy_too() {
    const TOKEN: &str = "d4a8338e5a7d98b6750b4f839431b34a";
    let rc = RocketChat::start(Config::of(Generation::Newest));
    let rid = rc.seed_room(TOKEN);
    let proxy = TestProxy::start(Rules::default());
    let (mut cmd, _home) = cli(&[("HTTP_PROXY", &proxy.url)]);
    let out = cmd
        .args([
            "survey", "--server", &rc.url, "--rid", &rid, "--token", TOKEN,
        ])
        .args(["--rating", "satisfaction=5", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", everything(&out));
    let lines = proxy.lines();
    assert!(
        lines.contains(&format!(
            "POST {}/api/v1/livechat/room.survey HTTP/1.1",
            rc.url
        )),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with(&format!("POST {}/api/", rc.url))
                || l.starts_with(&format!("GET {}/api/", rc.url))),
        "{lines:?}"
    );
}
