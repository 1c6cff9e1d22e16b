//! A loopback stand-in for a Rocket.Chat server's livechat REST routes, following the server's
//! rules: visitors, rooms, room.close, room.survey, both error generations, the rate limit, and
//! a proxy's HTML error page on demand.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tiny_http::{Header, Method, Request, Response};

/// Which error shape the server answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generation {
    /// `{"success":false,"error":"[invalid-token]","errorType":"invalid-token"}`.
    Old,
    /// `{"success":false,"error":"invalid-token"}`.
    New,
}

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct Config {
    /// The error shape.
    pub generation: Generation,
    /// Calls allowed per route and client in `window` (Rocket.Chat: 10 per 60 s).
    pub rate_limit: usize,
    /// The rate-limit window.
    pub window: Duration,
    /// When false, opening a room answers `no-agent-online`.
    pub agents_online: bool,
    /// When true, every call gets a proxy's 502 HTML page.
    pub html_errors: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            generation: Generation::Old,
            rate_limit: 1000,
            window: Duration::from_secs(60),
            agents_online: true,
            html_errors: false,
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

#[derive(Default)]
struct World {
    config: Config,
    /// Token to visitor id.
    visitors: HashMap<String, String>,
    rooms: HashMap<String, Room>,
    next_id: u64,
    calls: HashMap<(String, IpAddr), Vec<Instant>>,
    /// Every request as `METHOD /path`.
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
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    handle(&world, request);
                }
            })
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
        world.visitors.insert(token.to_owned(), id);
        let rid = world.new_id("room");
        world.rooms.insert(
            rid.clone(),
            Room {
                token: token.to_owned(),
                open: true,
                survey: None,
            },
        );
        rid
    }

    /// The room, if it exists.
    pub fn room(&self, rid: &str) -> Option<Room> {
        self.world().rooms.get(rid).cloned()
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

impl World {
    fn new_id(&mut self, kind: &str) -> String {
        self.next_id += 1;
        format!("{kind}{:04}", self.next_id)
    }

    /// A 400 in the configured generation's shape.
    fn error(&self, code: &str, message: Option<&str>) -> (u16, Value) {
        let body = match (self.config.generation, message) {
            (Generation::Old, None) => {
                json!({"success": false, "error": format!("[{code}]"), "errorType": code})
            }
            (Generation::Old, Some(m)) => {
                json!({"success": false, "error": format!("{m} [{code}]"), "errorType": code})
            }
            (Generation::New, None) => json!({"success": false, "error": code}),
            (Generation::New, Some(m)) => {
                json!({"success": false, "error": format!("{m} [{code}]")})
            }
        };
        (400, body)
    }
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

    // The rate limit: per route and client, in a sliding window.
    let now = Instant::now();
    let (limit, window) = (world.config.rate_limit, world.config.window);
    let calls = world.calls.entry((path.to_owned(), ip)).or_default();
    calls.retain(|t| now.duration_since(*t) < window);
    if calls.len() >= limit {
        let reset_in = window.saturating_sub(now.duration_since(calls[0]));
        let reset_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("a clock after 1970")
            .as_millis()
            + reset_in.as_millis();
        let secs = reset_in.as_secs_f64().ceil() as u64;
        let body = json!({
            "success": false,
            "error": format!("Error, too many requests. Please slow down. You must wait {secs} seconds before trying this endpoint again. [error-too-many-requests]"),
            "errorType": "error-too-many-requests",
        });
        let response = Response::from_string(body.to_string())
            .with_status_code(429)
            .with_header(header("Content-Type", "application/json"))
            .with_header(header("X-RateLimit-Limit", &limit.to_string()))
            .with_header(header("X-RateLimit-Remaining", "0"))
            .with_header(header("X-RateLimit-Reset", &reset_ms.to_string()));
        let _ = request.respond(response);
        return;
    }
    calls.push(now);

    let json: Option<Value> = serde_json::from_str(&body).ok();
    let (status, answer) = match (&method, path) {
        (Method::Post, "/api/v1/livechat/visitor") => visitor(&mut world, json.as_ref()),
        (Method::Get, "/api/v1/livechat/room") => open_room(&mut world, query),
        (Method::Post, "/api/v1/livechat/room.close") => close_room(&mut world, json.as_ref()),
        (Method::Post, "/api/v1/livechat/room.survey") => survey(&mut world, json.as_ref()),
        _ => (404, json!({"success": false, "error": "Not found"})),
    };
    let response = Response::from_string(answer.to_string())
        .with_status_code(status)
        .with_header(header("Content-Type", "application/json"));
    let _ = request.respond(response);
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}

fn str_field<'a>(json: Option<&'a Value>, key: &str) -> Option<&'a str> {
    json?.get(key)?.as_str()
}

fn visitor(world: &mut World, json: Option<&Value>) -> (u16, Value) {
    let visitor = json.and_then(|j| j.get("visitor"));
    let Some(token) = str_field(visitor, "token") else {
        return world.error(
            "invalid-params",
            Some("must have required property 'token'"),
        );
    };
    let id = match world.visitors.get(token) {
        Some(id) => id.clone(),
        None => {
            let id = world.new_id("visitor");
            world.visitors.insert(token.to_owned(), id.clone());
            id
        }
    };
    let name = str_field(visitor, "name").unwrap_or("");
    (
        200,
        json!({"visitor": {"_id": id, "token": token, "name": name}, "success": true}),
    )
}

fn open_room(world: &mut World, query: &str) -> (u16, Value) {
    let token = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="))
        .unwrap_or("");
    if !world.visitors.contains_key(token) {
        return world.error("invalid-token", None);
    }
    if !world.config.agents_online {
        return world.error("no-agent-online", Some("Sorry, no online agents"));
    }
    let open = world
        .rooms
        .iter()
        .find(|(_, r)| r.token == token && r.open)
        .map(|(rid, _)| rid.clone());
    let (rid, new_room) = match open {
        Some(rid) => (rid, false),
        None => {
            let rid = world.new_id("room");
            world.rooms.insert(
                rid.clone(),
                Room {
                    token: token.to_owned(),
                    open: true,
                    survey: None,
                },
            );
            (rid, true)
        }
    };
    (
        200,
        json!({"room": {"_id": rid, "t": "l", "open": true, "v": {"token": token}}, "newRoom": new_room, "success": true}),
    )
}

fn close_room(world: &mut World, json: Option<&Value>) -> (u16, Value) {
    let (Some(rid), Some(token)) = (str_field(json, "rid"), str_field(json, "token")) else {
        return world.error("invalid-params", Some("must have required property 'rid'"));
    };
    if !world.visitors.contains_key(token) {
        return world.error("invalid-token", None);
    }
    let Some(room) = world.rooms.get_mut(rid).filter(|r| r.token == token) else {
        return world.error("invalid-room", None);
    };
    if !room.open {
        return world.error("room-closed", None);
    }
    room.open = false;
    (
        200,
        json!({"rid": rid, "comment": "Closed by visitor", "success": true}),
    )
}

/// Why the body does not match `{rid: string, token: string, data: [{name, value}, ...]}`.
fn params_problem(json: Option<&Value>) -> Option<String> {
    let Some(obj) = json.and_then(Value::as_object) else {
        return Some("must be object".into());
    };
    for key in ["rid", "token", "data"] {
        if !obj.contains_key(key) {
            return Some(format!("must have required property '{key}'"));
        }
    }
    if let Some(extra) = obj
        .keys()
        .find(|k| !["rid", "token", "data"].contains(&k.as_str()))
    {
        return Some(format!("must NOT have additional properties '{extra}'"));
    }
    for key in ["rid", "token"] {
        if !obj[key].is_string() {
            return Some(format!("/{key} must be string"));
        }
    }
    let Some(data) = obj["data"].as_array() else {
        return Some("/data must be array".into());
    };
    if data.is_empty() {
        return Some("/data must NOT have fewer than 1 items".into());
    }
    for (i, item) in data.iter().enumerate() {
        let Some(item) = item.as_object() else {
            return Some(format!("/data/{i} must be object"));
        };
        if item.len() != 2 || !item.get("name").is_some_and(Value::is_string) {
            return Some(format!("/data/{i}/name must be string"));
        }
        if !item.get("value").is_some_and(Value::is_string) {
            return Some(format!("/data/{i}/value must be string"));
        }
    }
    None
}

fn survey(world: &mut World, json: Option<&Value>) -> (u16, Value) {
    if let Some(problem) = params_problem(json) {
        return world.error("invalid-params", Some(&problem));
    }
    let (Some(rid), Some(token)) = (str_field(json, "rid"), str_field(json, "token")) else {
        return world.error("invalid-params", Some("must be object"));
    };
    if !world.visitors.contains_key(token) {
        return world.error("invalid-token", None);
    }
    if world.rooms.get(rid).is_none_or(|r| r.token != token) {
        return world.error("invalid-room", None);
    }
    let ratings = [
        "satisfaction",
        "agentKnowledge",
        "agentResposiveness",
        "agentFriendliness",
    ];
    let mut kept = serde_json::Map::new();
    let mut stored = BTreeMap::new();
    for item in json
        .and_then(|j| j.get("data"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = item["name"].as_str().unwrap_or("");
        let value = item["value"].as_str().unwrap_or("");
        let valid = (ratings.contains(&name) && ["1", "2", "3", "4", "5"].contains(&value))
            || name == "additionalFeedback";
        if valid {
            kept.insert(name.to_owned(), Value::String(value.to_owned()));
            stored.insert(name.to_owned(), value.to_owned());
        }
    }
    if kept.is_empty() {
        return world.error("invalid-data", None);
    }
    if let Some(room) = world.rooms.get_mut(rid) {
        // A second survey replaces the first.
        room.survey = Some(stored);
    }
    (200, json!({"rid": rid, "data": kept, "success": true}))
}
