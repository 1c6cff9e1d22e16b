//! A loopback stand-in for a Rocket.Chat server's livechat REST routes, answering as the real
//! server's code does (RocketChat/Rocket.Chat `apps/meteor/app/livechat/server/api/v1/`,
//! `app/api/server/ApiClass.ts`, `packages/http-router`): visitors, rooms, room.close,
//! room.survey, transcript, livechat/config and /api/info, with the error bodies of each server
//! generation, the per-route rate limiter with its headers, and a proxy's HTML error page on
//! demand.
//!
//! Error bodies, as `ApiClass` builds them: a `Meteor.Error(word, reason)` becomes
//! `{"success":false,"error":"reason [word]","errorType":"word"}` (`"[word]"` without a reason);
//! a plain `Error(word)` of newer servers `{"success":false,"error":"word"}`; Meteor's `check`
//! `{"success":false,"error":"Match error: …"}`; typed-route validation (`http-router`)
//! `{"success":false,"errorType":"error-invalid-params","error":"…"}`.

mod routes;

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tiny_http::{Header, Method, Request, Response};

/// Which server generation answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generation {
    /// 6.x: `Meteor.Error`s everywhere (`{"success":false,"error":"[invalid-token]",
    /// "errorType":"invalid-token"}`), bodies checked with `check`, every route 10 calls a
    /// minute, visitors may always close their room.
    Old,
    /// 7.x: plain errors (`{"success":false,"error":"invalid-token"}`), body validation with
    /// `[invalid-params]`, typed routes answering `error-invalid-params`, the setting for
    /// visitors closing conversations, every route 10 calls a minute.
    V7,
    /// The newest: as 7.x, with 5 calls a minute for `livechat/visitor` and `GET livechat/room`.
    Newest,
}

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct Config {
    /// The generation.
    pub generation: Generation,
    /// `API_Enable_Rate_Limiter`: when false no route is limited and no header is sent.
    pub rate_limiter: bool,
    /// Calls allowed per route and client in `window`; `None`: the generation's defaults.
    pub rate_limit: Option<u32>,
    /// The rate-limit window.
    pub window: Duration,
    /// When false, opening a room answers `no-agent-online`.
    pub agents_online: bool,
    /// `Livechat_enabled`.
    pub livechat_enabled: bool,
    /// `Omnichannel_allow_visitors_to_close_conversation` (7.x and newer).
    pub visitors_may_close: bool,
    /// The survey's items and values published in livechat/config and applied by room.survey;
    /// `None` makes room.survey answer `invalid-livechat-config`.
    pub survey: Option<(Vec<String>, Vec<String>)>,
    /// `Livechat_enable_transcript`, published as `config.settings.transcript`.
    pub transcript_enabled: bool,
    /// When true, the transcript mail fails.
    pub mail_fails: bool,
    /// The version (`Info.version`).
    pub version: String,
    /// When true, every call gets a proxy's 502 HTML page.
    pub html_errors: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            generation: Generation::Old,
            rate_limiter: true,
            rate_limit: None,
            window: Duration::from_secs(60),
            agents_online: true,
            livechat_enabled: true,
            visitors_may_close: true,
            survey: Some((
                [
                    "satisfaction",
                    "agentKnowledge",
                    "agentResposiveness",
                    "agentFriendliness",
                ]
                .map(str::to_owned)
                .to_vec(),
                ["1", "2", "3", "4", "5"].map(str::to_owned).to_vec(),
            )),
            transcript_enabled: false,
            mail_fails: false,
            version: "7.4.1".to_owned(),
            html_errors: false,
        }
    }
}

impl Config {
    /// A server of `generation` with its defaults.
    pub fn of(generation: Generation) -> Config {
        let version = match generation {
            Generation::Old => "6.13.1",
            Generation::V7 => "7.4.1",
            Generation::Newest => "7.10.0",
        };
        Config {
            generation,
            version: version.to_owned(),
            ..Config::default()
        }
    }
}

/// A livechat room.
#[derive(Clone, Debug)]
pub struct Room {
    /// The visitor's token.
    pub token: String,
    /// Open or closed.
    pub open: bool,
    /// The stored survey, name to value.
    pub survey: Option<BTreeMap<String, String>>,
}

/// A transcript the server mailed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// The room.
    pub rid: String,
    /// The address.
    pub email: String,
}

#[derive(Default)]
struct World {
    config: Config,
    /// Token to visitor id.
    visitors: HashMap<String, String>,
    /// Rooms in the order they were made.
    rooms: Vec<(String, Room)>,
    mails: Vec<Mail>,
    next_id: u64,
    /// Per route and client: the window's start (epoch ms) and its calls.
    windows: HashMap<(String, IpAddr), (u128, u32)>,
    /// Every request as `METHOD /path?query`.
    log: Vec<String>,
}

/// The running server; stops when dropped.
pub struct RocketChat {
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    world: Arc<Mutex<World>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl RocketChat {
    /// Starts a server on 127.0.0.1 at a free port.
    pub fn start(config: Config) -> RocketChat {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let world = Arc::new(Mutex::new(World {
            config,
            ..World::default()
        }));
        let thread = {
            let server = Arc::clone(&server);
            let world = Arc::clone(&world);
            std::thread::Builder::new()
                .name("rocketchat-stand-in".into())
                .spawn(move || {
                    for request in server.incoming_requests() {
                        handle(&world, request);
                    }
                })
                .expect("spawn the stand-in")
        };
        RocketChat {
            url: format!("http://127.0.0.1:{port}"),
            world,
            server,
            thread: Some(thread),
        }
    }

    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes the behaviour.
    pub fn configure(&self, change: impl FnOnce(&mut Config)) {
        change(&mut self.world().config);
    }

    /// Adds a visitor with an open room; returns the room id.
    pub fn seed_room(&self, token: &str) -> String {
        let mut world = self.world();
        let id = world.new_id("visitor");
        world.visitors.entry(token.to_owned()).or_insert(id);
        let rid = world.new_id("room");
        world.rooms.push((
            rid.clone(),
            Room {
                token: token.to_owned(),
                open: true,
                survey: None,
            },
        ));
        rid
    }

    /// The room, if it exists.
    pub fn room(&self, rid: &str) -> Option<Room> {
        self.world().room(rid).cloned()
    }

    /// The transcripts mailed so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.world().mails.clone()
    }

    /// Every request so far, as `METHOD /path?query`.
    pub fn log(&self) -> Vec<String> {
        self.world().log.clone()
    }
}

impl Drop for RocketChat {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How a route failed: the kinds of error the server's code throws.
pub(crate) enum Failure {
    /// `throw new Meteor.Error(word, reason)`.
    Meteor(&'static str, Option<String>),
    /// `throw new Meteor.Error(word, reason, details)`: the details come along as they are.
    MeteorDetails(&'static str, String, Value),
    /// The route's own error: a plain `Error(word)` on 7.x and newer, a `Meteor.Error(word)` on
    /// older servers.
    Thrown(&'static str),
    /// `throw new Error(word)` in every generation.
    Plain(&'static str),
    /// A failed `check(…)`.
    Match(String),
    /// Legacy `validateParams`: `Meteor.Error('invalid-params', ajv messages)`.
    Params(String),
    /// Typed-route validation in `http-router`.
    Typed(&'static str, String),
    /// `API.v1.failure({message})`.
    Message(&'static str),
}

impl World {
    fn new_id(&mut self, kind: &str) -> String {
        self.next_id += 1;
        format!("{kind}{:04}", self.next_id)
    }

    fn room(&self, rid: &str) -> Option<&Room> {
        self.rooms.iter().find(|(id, _)| id == rid).map(|(_, r)| r)
    }

    fn room_mut(&mut self, rid: &str) -> Option<&mut Room> {
        self.rooms
            .iter_mut()
            .find(|(id, _)| id == rid)
            .map(|(_, r)| r)
    }

    /// The body of a failure, as this generation's `ApiClass` writes it (always HTTP 400).
    fn failure(&self, failure: Failure) -> (u16, Value) {
        let meteor = |word: &str, reason: Option<&str>| match reason {
            Some(r) => {
                json!({"success": false, "error": format!("{r} [{word}]"), "errorType": word})
            }
            None => json!({"success": false, "error": format!("[{word}]"), "errorType": word}),
        };
        let body = match failure {
            Failure::Meteor(word, reason) => meteor(word, reason.as_deref()),
            Failure::MeteorDetails(word, reason, details) => {
                let mut body = meteor(word, Some(&reason));
                body["details"] = details;
                body
            }
            Failure::Thrown(word) if self.config.generation == Generation::Old => {
                meteor(word, None)
            }
            Failure::Thrown(word) | Failure::Plain(word) => {
                json!({"success": false, "error": word})
            }
            Failure::Match(message) => {
                json!({"success": false, "error": format!("Match error: {message}")})
            }
            Failure::Params(message) => meteor("invalid-params", Some(&message)),
            Failure::Typed(word, message) => {
                json!({"success": false, "errorType": word, "error": message})
            }
            Failure::Message(message) => json!({"message": message, "success": false}),
        };
        (400, body)
    }

    /// Counts a call of `route` from `ip` and returns the rate-limit headers and, when over
    /// the limit, the 429 answer (Meteor's RateLimiter: fixed windows, counted before checked).
    fn rate_limit(&mut self, route: &str, ip: IpAddr) -> (Vec<Header>, Option<Value>) {
        if !self.config.rate_limiter {
            return (Vec::new(), None);
        }
        let limit = self
            .config
            .rate_limit
            .unwrap_or(match (self.config.generation, route) {
                (Generation::Newest, "POST /api/v1/livechat/visitor")
                | (Generation::Newest, "GET /api/v1/livechat/room") => 5,
                _ => 10,
            });
        let window_ms = self.config.window.as_millis();
        let now = now_ms();
        let entry = self
            .windows
            .entry((route.to_owned(), ip))
            .or_insert((now, 0));
        if now >= entry.0 + window_ms {
            *entry = (now, 0);
        }
        entry.1 += 1;
        let reset = entry.0 + window_ms;
        let remaining = limit.saturating_sub(entry.1);
        let headers = vec![
            header("X-RateLimit-Limit", &limit.to_string()),
            header("X-RateLimit-Remaining", &remaining.to_string()),
            header("X-RateLimit-Reset", &reset.to_string()),
        ];
        if entry.1 <= limit {
            return (headers, None);
        }
        let secs = (reset - now).div_ceil(1000);
        let body = json!({
            "success": false,
            "error": format!("Error, too many requests. Please slow down. You must wait {secs} seconds before trying this endpoint again. [error-too-many-requests]"),
        });
        (headers, Some(body))
    }
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_millis()
}

fn handle(world: &Mutex<World>, mut request: Request) {
    let mut body = String::new();
    let _ = request.as_reader().read_to_string(&mut body);
    let url = request.url().to_owned();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let method = request.method().clone();
    let ip = request
        .remote_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let mut world = world.lock().unwrap_or_else(|p| p.into_inner());
    world.log.push(format!("{method} {url}"));

    if world.config.html_errors {
        let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                    <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
                    </body>\r\n</html>\r\n";
        let response = Response::from_string(page)
            .with_status_code(502)
            .with_header(header("Content-Type", "text/html"));
        let _ = request.respond(response);
        return;
    }

    // Only the versioned API is rate limited; the limiter runs before anything else.
    let route = format!("{method} {path}");
    let (rate_headers, refused) = if path.starts_with("/api/v1/") {
        world.rate_limit(&route, ip)
    } else {
        (Vec::new(), None)
    };
    let (status, answer) = match refused {
        Some(body) => (429, body),
        None => {
            let json: Value = serde_json::from_str(&body).unwrap_or_else(|_| json!({}));
            let query = routes::parse_query(query);
            routes::dispatch(&mut world, &method, path, &query, &json)
        }
    };
    let mut response = Response::from_string(answer.to_string())
        .with_status_code(status)
        .with_header(header("Content-Type", "application/json"));
    for h in rate_headers {
        response.add_header(h);
    }
    let _ = request.respond(response);
}

pub(crate) fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}

/// `Method` is re-exported for the routes.
pub(crate) type HttpMethod = Method;
