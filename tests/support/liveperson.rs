//! A loopback stand-in for LivePerson Functions: CSDS, the sentinel's token endpoint (JWTs
//! with an `exp`), the gateway in V1 or V2 (invoke by lambda or by event, `isImplemented`,
//! each generation's error bodies), and 5xx answers on demand.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::json;

use super::{Req, Resp, TestServer, transcript_function};

pub const ACCOUNT: &str = "123";
pub const LAMBDA: &str = "5e7a8a7b-3b61-4c9e-b9a6-2f5a1c0e8d11";
pub const CLIENT_ID: &str = "cid";
pub const SECRET: &str = "good-secret";

/// What the stand-in does; change it while it runs.
#[derive(Default)]
pub struct State {
    /// Speak V2 (error bodies `{code, message}`).
    pub v2: AtomicBool,
    /// Lifetime of the JWTs issued, in seconds.
    pub jwt_lifetime_s: AtomicUsize,
    /// Answer this many invocations with 503 first.
    pub fail_first: AtomicUsize,
    /// Refuse every token with 401 and `com.liveperson.faas.es.general`.
    pub refuse_tokens: AtomicBool,
    /// Delay of every invocation's answer, in milliseconds.
    pub delay_ms: AtomicUsize,
    /// Answer invocations with the platform's execution-time error after the delay.
    pub exceed: AtomicBool,
    /// Events (platform ids) with a deployed function.
    pub deployed: Mutex<HashSet<String>>,
    /// Tokens issued.
    pub tokens: AtomicUsize,
    /// CSDS lookups answered.
    pub csds: AtomicUsize,
    base: Mutex<String>,
}

pub struct StandIn {
    pub server: TestServer,
    pub state: Arc<State>,
}

fn jwt(n: usize, lifetime_s: usize) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let part = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.sig{n}",
        part(json!({"alg": "HS256", "typ": "JWT"})),
        part(json!({"exp": now + lifetime_s as u64, "n": n}))
    )
}

fn error(state: &State, status: u16, code: &str, message: &str) -> Resp {
    if state.v2.load(Ordering::SeqCst) {
        Resp::json(status, json!({"code": code, "message": message}))
    } else {
        Resp::json(status, json!({"errorCode": code, "errorMsg": message}))
    }
}

fn handle(state: &State, req: &Req) -> Resp {
    let path = req.url.split('?').next().unwrap_or_default();
    let account = format!("/api/account/{ACCOUNT}");
    if path == format!("{account}/service/baseURI.json") {
        state.csds.fetch_add(1, Ordering::SeqCst);
        let host = state
            .base
            .lock()
            .unwrap()
            .trim_start_matches("http://")
            .to_owned();
        return Resp::json(
            200,
            json!({"baseURIs": [
                {"service": "faasGW", "account": ACCOUNT, "baseURI": host},
                {"service": "sentinel", "account": ACCOUNT, "baseURI": host},
                {"service": "faasUI", "account": ACCOUNT, "baseURI": host}
            ]}),
        );
    }
    if path.starts_with("/api/account/") && path.ends_with("/service/baseURI.json") {
        return Resp::json(404, json!({"message": "account not found"}));
    }
    if path == format!("/sentinel/api/account/{ACCOUNT}/app/token") {
        let form = &req.body;
        if !form.contains("grant_type=client_credentials")
            || !form.contains(&format!("client_id={CLIENT_ID}"))
            || !form.contains(&format!("client_secret={SECRET}"))
        {
            return Resp::json(401, json!({"error": "invalid_client"}));
        }
        let n = state.tokens.fetch_add(1, Ordering::SeqCst) + 1;
        let lifetime = state.jwt_lifetime_s.load(Ordering::SeqCst).max(1);
        return Resp::json(
            200,
            json!({"access_token": jwt(n, lifetime), "token_type": "Bearer", "expires_in": lifetime}),
        );
    }
    let Some(rest) = path.strip_prefix(&format!("{account}/")) else {
        return Resp::text(404, "text/plain", "no route");
    };
    let current = format!(".sig{}", state.tokens.load(Ordering::SeqCst));
    let token_ok = req
        .header("Authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .is_some_and(|t| t.ends_with(&current));
    if !token_ok || state.refuse_tokens.load(Ordering::SeqCst) {
        return error(state, 401, "com.liveperson.faas.es.general", "Unauthorized");
    }
    let v2 = state.v2.load(Ordering::SeqCst);
    if v2 == req.url.contains("v=1") {
        return error(
            state,
            400,
            "com.liveperson.faas.evg.invalid",
            "wrong platform version",
        );
    }
    if let Some(event) = rest
        .strip_prefix("events/")
        .and_then(|r| r.strip_suffix("/isImplemented"))
    {
        let implemented = state.deployed.lock().unwrap().contains(event);
        return Resp::json(200, json!({"implemented": implemented}));
    }
    let invoked = match rest
        .strip_prefix("lambdas/")
        .and_then(|r| r.strip_suffix("/invoke"))
    {
        Some(uuid) => uuid == LAMBDA,
        None => rest
            .strip_prefix("events/")
            .and_then(|r| r.strip_suffix("/invoke"))
            .is_some_and(|event| state.deployed.lock().unwrap().contains(event)),
    };
    std::thread::sleep(Duration::from_millis(
        state.delay_ms.load(Ordering::SeqCst) as u64
    ));
    if state
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return Resp::text(
            503,
            "text/html",
            "<html><head><title>503 Service Unavailable</title></head></html>",
        );
    }
    if !invoked {
        return if v2 {
            error(
                state,
                404,
                "com.liveperson.faas.function.not-found",
                "Function not found",
            )
        } else {
            error(
                state,
                404,
                "com.liveperson.faas.es.missinglambda",
                "Lambda not found",
            )
        };
    }
    if state.exceed.load(Ordering::SeqCst) {
        return if v2 {
            error(
                state,
                500,
                "com.customer.faas.function.execution-exceeded",
                "Execution time exceeded",
            )
        } else {
            error(
                state,
                500,
                "com.liveperson.faas.handler.executiontime-exceeded",
                "Execution time exceeded",
            )
        };
    }
    transcript_function(req)
}

impl StandIn {
    pub fn start() -> StandIn {
        let state = Arc::new(State::default());
        state.jwt_lifetime_s.store(3600, Ordering::SeqCst);
        let s = Arc::clone(&state);
        let server = TestServer::start(move |req| handle(&s, req));
        *state.base.lock().unwrap() = server.base.clone();
        StandIn { server, state }
    }

    /// The invocation requests received (CSDS and tokens left out).
    pub fn invocations(&self) -> Vec<Req> {
        self.server
            .requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.url.contains("/invoke") || r.url.contains("/isImplemented"))
            .cloned()
            .collect()
    }
}
