//! The stand-in's routes, in the order of the real handlers' checks.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{Failure, Generation, HttpMethod, Mail, Room, World};

type Answer = (u16, Value);

/// Answers one request of the API.
pub(super) fn dispatch(
    world: &mut World,
    method: &HttpMethod,
    path: &str,
    query: &BTreeMap<String, String>,
    body: &Value,
) -> Answer {
    let answer = match (method, path) {
        (HttpMethod::Get, "/api/info") => Ok(info(world)),
        (HttpMethod::Get, "/api/v1/livechat/config") => config(world, query),
        (HttpMethod::Post, "/api/v1/livechat/visitor") => visitor(world, body),
        (HttpMethod::Get, "/api/v1/livechat/room") => open_room(world, query),
        (HttpMethod::Post, "/api/v1/livechat/room.close") => close_room(world, body),
        (HttpMethod::Post, "/api/v1/livechat/room.survey") => survey(world, body),
        (HttpMethod::Post, "/api/v1/livechat/transcript") => transcript(world, body),
        _ => return (404, json!({"success": false, "error": "Not found"})),
    };
    match answer {
        Ok(mut value) => {
            if let Value::Object(map) = &mut value {
                map.insert("success".into(), Value::Bool(true));
            }
            (200, value)
        }
        Err(failure) => world.failure(failure),
    }
}

/// The query as name to value (the last of a repeated name), percent-decoded.
pub(super) fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 3 <= bytes.len()
            && let Ok(b) = u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn info(world: &World) -> Value {
    let version = &world.config.version;
    match world.config.generation {
        Generation::Old => json!({"version": version}),
        // Without a login the patch number is removed (getServerInfo's removePatchInfo).
        _ => {
            let minor: Vec<&str> = version.split('.').take(2).collect();
            json!({
                "version": minor.join("."),
                "minimumClientVersions": {"desktop": "3.9.6", "mobile": "4.39.0"},
            })
        }
    }
}

fn config(world: &World, query: &BTreeMap<String, String>) -> Result<Value, Failure> {
    if world.config.generation != Generation::Old
        && query
            .keys()
            .any(|k| !["token", "department", "businessUnit"].contains(&k.as_str()))
    {
        return Err(Failure::Typed(
            "error-invalid-params",
            "must NOT have additional properties".into(),
        ));
    }
    if !world.config.livechat_enabled {
        return Ok(json!({"config": {"enabled": false}}));
    }
    let mut config = json!({
        "enabled": true,
        "settings": {
            "registrationForm": true, "allowSwitchingDepartments": true,
            "nameFieldRegistrationForm": true, "emailFieldRegistrationForm": true,
            "displayOfflineForm": true, "videoCall": false, "fileUpload": true, "language": "",
            "transcript": world.config.transcript_enabled, "historyMonitorType": "url",
            "forceAcceptDataProcessingConsent": false, "showConnecting": false,
            "agentHiddenInfo": false, "clearLocalStorageWhenChatEnded": false,
            "limitTextLength": false,
        },
        "theme": {"title": "Rocket.Chat", "color": "#C1272D", "offlineTitle": "Leave a message",
                  "offlineColor": "#666666", "position": "right"},
        "messages": {"offlineMessage": "", "conversationFinishedMessage": "", "transcriptMessage": ""},
        "triggers": [],
        "departments": [],
        "resources": {"sound": "http://localhost:3000/sounds/chime.mp3", "emojis": []},
        "online": world.config.agents_online,
    });
    if let Some((items, values)) = &world.config.survey {
        config["survey"] = json!({"items": items, "values": values});
    }
    Ok(json!({ "config": config }))
}

fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key)?.as_str()
}

/// What `check(body, {visitor: Match.ObjectIncluding({token: String, name: Match.Maybe(String),
/// …})})` says of a body.
fn visitor_match_problem(body: &Value) -> Option<String> {
    let obj = body.as_object()?;
    if let Some(extra) = obj.keys().find(|k| *k != "visitor") {
        return Some(format!("Unknown key '{extra}'"));
    }
    let Some(visitor) = obj.get("visitor") else {
        return Some("Missing key 'visitor'".into());
    };
    let Some(visitor) = visitor.as_object() else {
        return Some("Expected object, got something else in field visitor".into());
    };
    match visitor.get("token") {
        None => Some("Missing key 'token' in field visitor".into()),
        Some(Value::String(_)) => None,
        Some(_) => Some("Expected string in field visitor.token".into()),
    }
}

fn visitor(world: &mut World, body: &Value) -> Result<Value, Failure> {
    if let Some(problem) = visitor_match_problem(body) {
        return Err(Failure::Match(problem));
    }
    let visitor = &body["visitor"];
    let token = str_of(visitor, "token").unwrap_or("");
    if token.trim().is_empty() {
        return Err(Failure::MeteorDetails(
            "error-invalid-token",
            "Token cannot be empty".into(),
            json!({"method": "livechat/visitor"}),
        ));
    }
    let id = match world.visitors.get(token) {
        Some(id) => id.clone(),
        None => {
            let id = world.new_id("visitor");
            world.visitors.insert(token.to_owned(), id.clone());
            id
        }
    };
    let mut answer = json!({"_id": id, "token": token, "username": format!("guest-{}", world.next_id), "status": "online"});
    if let Some(name) = str_of(visitor, "name") {
        answer["name"] = Value::String(name.to_owned());
    }
    Ok(json!({ "visitor": answer }))
}

fn open_room(world: &mut World, query: &BTreeMap<String, String>) -> Result<Value, Failure> {
    let Some(token) = query.get("token") else {
        return Err(Failure::Match("Missing key 'token'".into()));
    };
    let Some(visitor_id) = world.visitors.get(token).cloned() else {
        return Err(Failure::Thrown("invalid-token"));
    };
    let room_json = |rid: &str| {
        json!({"_id": rid, "t": "l", "open": true, "msgs": 0,
               "v": {"_id": visitor_id, "token": token, "status": "online"}, "source": {"type": "api"}})
    };
    if let Some(rid) = query.get("rid").filter(|r| !r.is_empty()) {
        let open = world.room(rid).is_some_and(|r| r.token == *token && r.open);
        if !open {
            return Err(Failure::Thrown("invalid-room"));
        }
        return Ok(json!({"room": room_json(rid), "newRoom": false}));
    }
    let open = world
        .rooms
        .iter()
        .find(|(_, r)| r.token == *token && r.open)
        .map(|(rid, _)| rid.clone());
    if let Some(rid) = open {
        return Ok(json!({"room": room_json(&rid), "newRoom": false}));
    }
    if !world.config.livechat_enabled {
        return Err(Failure::Meteor("error-omnichannel-is-disabled", None));
    }
    if !world.config.agents_online {
        return Err(Failure::Meteor(
            "no-agent-online",
            Some("Sorry, no online agents".into()),
        ));
    }
    let rid = world.new_id("room");
    world.rooms.push((
        rid.clone(),
        Room {
            token: token.clone(),
            open: true,
            survey: None,
        },
    ));
    Ok(json!({"room": room_json(&rid), "newRoom": true}))
}

/// The first message ajv (`coerceTypes: true`, first error only) gives for an object that must
/// have the string properties `required` and no others; `None` when it is valid.
fn string_props_problem(body: &Value, required: &[&str]) -> Option<String> {
    let Some(obj) = body.as_object() else {
        return Some("must be object".into());
    };
    if let Some(missing) = required.iter().find(|k| !obj.contains_key(**k)) {
        return Some(format!("must have required property '{missing}'"));
    }
    if obj.keys().any(|k| !required.contains(&k.as_str())) {
        return Some("must NOT have additional properties".into());
    }
    required
        .iter()
        .any(|k| !coerces_to_string(&obj[*k]))
        .then(|| "must be string".into())
}

/// What Meteor's `check` says of an object that must have exactly `keys` (strings, and `data`
/// a list of `{name: String, value: String, …}`).
fn match_problem(body: &Value, keys: &[&str]) -> Option<String> {
    let obj = body.as_object()?;
    if let Some(extra) = obj.keys().find(|k| !keys.contains(&k.as_str())) {
        return Some(format!("Unknown key '{extra}'"));
    }
    if let Some(missing) = keys.iter().find(|k| !obj.contains_key(**k)) {
        return Some(format!("Missing key '{missing}'"));
    }
    for key in keys {
        let value = &obj[*key];
        if *key == "data" {
            let Some(items) = value.as_array() else {
                return Some("Expected array, got object in field data".into());
            };
            for (i, item) in items.iter().enumerate() {
                for field in ["name", "value"] {
                    if !item.get(field).is_some_and(Value::is_string) {
                        return Some(format!("Expected string in field data[{i}].{field}"));
                    }
                }
            }
        } else if !value.is_string() {
            return Some(format!("Expected string in field {key}"));
        }
    }
    None
}

/// ajv's `coerceTypes: true` turns numbers, booleans and null into strings.
fn coerces_to_string(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The room of the visitor: by id, or (an empty rid) the first room the visitor has.
fn find_room(world: &World, token: &str, rid: &str) -> Option<String> {
    world
        .rooms
        .iter()
        .find(|(id, r)| r.token == token && (rid.is_empty() || id == rid))
        .map(|(id, _)| id.clone())
}

fn close_room(world: &mut World, body: &Value) -> Result<Value, Failure> {
    let old = world.config.generation == Generation::Old;
    if old {
        if let Some(problem) = match_problem(body, &["rid", "token"]) {
            return Err(Failure::Match(problem));
        }
    } else if let Some(problem) = string_props_problem(body, &["rid", "token"]) {
        return Err(Failure::Params(problem));
    }
    let (rid, token) = (text_of(&body["rid"]), text_of(&body["token"]));
    if !old && !world.config.visitors_may_close {
        return Err(Failure::Thrown("error-not-allowed-to-close-conversation"));
    }
    if !world.visitors.contains_key(&token) {
        return Err(Failure::Thrown("invalid-token"));
    }
    let Some(found) = find_room(world, &token, &rid) else {
        return Err(Failure::Thrown("invalid-room"));
    };
    let Some(room) = world.room_mut(&found) else {
        return Err(Failure::Thrown("invalid-room"));
    };
    if !room.open {
        return Err(Failure::Thrown("room-closed"));
    }
    room.open = false;
    Ok(json!({"rid": rid, "comment": "Closed by visitor"}))
}

/// Why the body does not match `{token: string, rid: string, data: [{name, value}, …]}` (at
/// least one item, no other keys), in ajv's words.
fn survey_problem(body: &Value) -> Option<String> {
    let Some(obj) = body.as_object() else {
        return Some("must be object".into());
    };
    let keys = ["token", "rid", "data"];
    if let Some(missing) = keys.iter().find(|k| !obj.contains_key(**k)) {
        return Some(format!("must have required property '{missing}'"));
    }
    if obj.keys().any(|k| !keys.contains(&k.as_str())) {
        return Some("must NOT have additional properties".into());
    }
    if !coerces_to_string(&obj["token"]) || !coerces_to_string(&obj["rid"]) {
        return Some("must be string".into());
    }
    let Some(data) = obj["data"].as_array() else {
        return Some("must be array".into());
    };
    for item in data {
        if let Some(problem) = string_props_problem(item, &["name", "value"]) {
            return Some(problem);
        }
    }
    (data.is_empty()).then(|| "must NOT have fewer than 1 items".into())
}

fn survey(world: &mut World, body: &Value) -> Result<Value, Failure> {
    let old = world.config.generation == Generation::Old;
    if old {
        // check(body, {rid: String, token: String, data: [Match.ObjectIncluding({name: String,
        // value: String})]}): an empty list passes.
        if let Some(problem) = match_problem(body, &["rid", "token", "data"]) {
            return Err(Failure::Match(problem));
        }
    } else if let Some(problem) = survey_problem(body) {
        return Err(Failure::Params(problem));
    }
    let (rid, token) = (text_of(&body["rid"]), text_of(&body["token"]));
    if !world.visitors.contains_key(&token) {
        return Err(Failure::Thrown("invalid-token"));
    }
    let Some(found) = find_room(world, &token, &rid) else {
        return Err(Failure::Thrown("invalid-room"));
    };
    let Some((items, values)) = world.config.survey.clone() else {
        return Err(Failure::Thrown("invalid-livechat-config"));
    };
    let mut kept = Map::new();
    for item in body["data"].as_array().into_iter().flatten() {
        let (name, value) = (text_of(&item["name"]), text_of(&item["value"]));
        if (items.contains(&name) && values.contains(&value)) || name == "additionalFeedback" {
            kept.insert(name, Value::String(value));
        }
    }
    if kept.is_empty() {
        return Err(Failure::Thrown("invalid-data"));
    }
    if let Some(room) = world.room_mut(&found) {
        // A second survey replaces the first.
        room.survey = Some(kept.iter().map(|(k, v)| (k.clone(), text_of(v))).collect());
    }
    Ok(json!({"rid": rid, "data": kept}))
}

fn transcript(world: &mut World, body: &Value) -> Result<Value, Failure> {
    if let Some(problem) = string_props_problem(body, &["token", "rid", "email"]) {
        return Err(Failure::Params(problem));
    }
    let (token, rid, email) = (
        text_of(&body["token"]),
        text_of(&body["rid"]),
        text_of(&body["email"]),
    );
    if world.config.generation == Generation::Old {
        // sendTranscript of 6.x: the visitor first, then the room.
        if !world.visitors.contains_key(&token) {
            return Err(Failure::Plain("error-invalid-token"));
        }
        if world.room(&rid).is_none() {
            return Err(Failure::Plain("error-invalid-room"));
        }
    } else {
        let Some(room) = world.room(&rid) else {
            return Err(Failure::Plain("error-invalid-room"));
        };
        if room.token != token {
            return Err(Failure::Plain("error-invalid-visitor"));
        }
    }
    if world.config.mail_fails {
        return Err(Failure::Message("Error sending livechat transcript"));
    }
    world.mails.push(Mail { rid, email });
    Ok(json!({"message": "Livechat transcript sent"}))
}
