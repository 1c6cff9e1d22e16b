//! A real HTTP server on 127.0.0.1 for tests: each request is handled on its own thread by a
//! closure, so slow answers do not hold up the next request.
#![allow(dead_code, clippy::unwrap_used)]

pub mod batch;
pub mod broken;
pub mod gui;
pub mod junit;
pub mod liveperson;
pub mod proxy;
pub mod rocketchat;
pub mod tls;

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request as the handler sees it.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Req {
    /// A header's value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (null when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// What the handler answers.
#[derive(Clone, Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Resp {
    pub fn json(status: u16, value: serde_json::Value) -> Resp {
        Resp {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: serde_json::to_vec(&value).unwrap(),
            delay: Duration::ZERO,
        }
    }

    pub fn text(status: u16, content_type: &str, body: &str) -> Resp {
        Resp {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }

    pub fn delayed(mut self, delay: Duration) -> Resp {
        self.delay = delay;
        self
    }

    pub fn header(mut self, k: &str, v: &str) -> Resp {
        self.headers.push((k.into(), v.into()));
        self
    }
}

type Handler = dyn Fn(&Req) -> Resp + Send + Sync;

/// A running test server; stops when dropped.
pub struct TestServer {
    pub base: String,
    server: Arc<tiny_http::Server>,
    /// Every request received, in order.
    pub requests: Arc<Mutex<Vec<Req>>>,
}

impl TestServer {
    pub fn start(handler: impl Fn(&Req) -> Resp + Send + Sync + 'static) -> TestServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (srv, log) = (Arc::clone(&server), Arc::clone(&requests));
        std::thread::Builder::new()
            .name("test-server".into())
            .spawn(move || {
                for mut request in srv.incoming_requests() {
                    let handler = Arc::clone(&handler);
                    let log = Arc::clone(&log);
                    std::thread::Builder::new()
                        .name("test-server-request".into())
                        .spawn(move || {
                            let mut body = String::new();
                            let _ = request.as_reader().read_to_string(&mut body);
                            let req = Req {
                                method: request.method().to_string(),
                                url: request.url().to_owned(),
                                headers: request
                                    .headers()
                                    .iter()
                                    .map(|h| {
                                        (h.field.as_str().to_string(), h.value.as_str().to_owned())
                                    })
                                    .collect(),
                                body,
                            };
                            log.lock().unwrap().push(req.clone());
                            let resp = handler(&req);
                            std::thread::sleep(resp.delay);
                            let mut response = tiny_http::Response::from_data(resp.body)
                                .with_status_code(tiny_http::StatusCode(resp.status));
                            for (k, v) in resp.headers {
                                if let Ok(h) =
                                    tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes())
                                {
                                    response.add_header(h);
                                }
                            }
                            let _ = request.respond(response);
                        })
                        .unwrap();
                }
            })
            .unwrap();
        TestServer {
            base: format!("http://127.0.0.1:{port}"),
            server,
            requests,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn count(&self, path_prefix: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.url.starts_with(path_prefix))
            .count()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// A transcript function as the documented example: one e-mail when csatRank is 1-3, the skill
/// matches CustomerCare and the agent John Doe.
pub fn transcript_function(req: &Req) -> Resp {
    let envelope = req.json();
    let p = &envelope["payload"];
    let csat = p["csatRank"].as_i64().unwrap_or(-1);
    let skill = p["skillName"].as_str().unwrap_or("").to_lowercase();
    let agent = p["agentName"].as_str().unwrap_or("").to_lowercase();
    let mut emails = Vec::new();
    if (1..=3).contains(&csat) && skill.contains("customercare") && agent.contains("john doe") {
        emails.push(serde_json::json!({
            "targetEmail": "ReplaceMe@company.com",
            "senderName": "Sender X",
            "senderEmail": "ReplaceMe@company.com",
            "subject": "Email Transcript Notification"
        }));
    }
    Resp::json(200, serde_json::Value::Array(emails))
}

/// A bundled sample's path.
pub fn sample(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-payloads")
        .join(name)
}
