//! The REST routes the console calls on a Rocket.Chat server, as one closed set, and the one
//! way to call them: through [`send`], which also notes the route's rate-limit headers.

use serde_json::Value;

use super::Server;
use super::client::{Exchange, Method, call};
use super::rate::RateLimits;

/// A route of the server's REST API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// `POST /api/v1/livechat/visitor`: registers a visitor by token.
    Visitor,
    /// `GET /api/v1/livechat/room?token=…`: opens (or returns) the visitor's room.
    Room,
    /// `POST /api/v1/livechat/room.close`: the visitor closes the room.
    RoomClose,
    /// `POST /api/v1/livechat/room.survey`: the room survey.
    RoomSurvey,
    /// `POST /api/v1/livechat/transcript`: mails the room's transcript.
    Transcript,
    /// `GET /api/v1/livechat/config`: the widget's settings, with the survey's items and values.
    Config,
    /// `GET /api/info`: the server's version (not rate limited).
    Info,
}

impl Route {
    /// Every route, in the order a test conversation and a survey use them.
    pub const ALL: [Route; 7] = [
        Route::Info,
        Route::Config,
        Route::Visitor,
        Route::Room,
        Route::RoomClose,
        Route::Transcript,
        Route::RoomSurvey,
    ];

    /// The HTTP method.
    pub fn method(self) -> Method {
        match self {
            Route::Room | Route::Config | Route::Info => Method::Get,
            Route::Visitor | Route::RoomClose | Route::RoomSurvey | Route::Transcript => {
                Method::Post
            }
        }
    }

    /// The path as [`Server::endpoint`] takes it: relative to `/api/v1/`, or absolute.
    pub fn path(self) -> &'static str {
        match self {
            Route::Visitor => "livechat/visitor",
            Route::Room => "livechat/room",
            Route::RoomClose => "livechat/room.close",
            Route::RoomSurvey => "livechat/room.survey",
            Route::Transcript => "livechat/transcript",
            Route::Config => "livechat/config",
            Route::Info => "/api/info",
        }
    }

    /// Method and path as shown to the operator, e.g. `POST livechat/visitor`.
    pub fn label(self) -> &'static str {
        match self {
            Route::Visitor => "POST livechat/visitor",
            Route::Room => "GET livechat/room",
            Route::RoomClose => "POST livechat/room.close",
            Route::RoomSurvey => "POST livechat/room.survey",
            Route::Transcript => "POST livechat/transcript",
            Route::Config => "GET livechat/config",
            Route::Info => "GET /api/info",
        }
    }

    /// The calls a minute the newest servers allow a client on this route by default (they
    /// may be configured otherwise; the answers' `X-RateLimit-Limit` says): 5 for
    /// `livechat/visitor` and `GET livechat/room`, 10 for the other `/api/v1` routes, no limit
    /// for `/api/info`.
    pub fn default_limit(self) -> Option<u32> {
        match self {
            Route::Visitor | Route::Room => Some(5),
            Route::Info => None,
            _ => Some(10),
        }
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Calls `route` and notes its rate-limit headers in `limits`. `secret` (the visitor token) is
/// masked in everything kept.
pub fn send(
    server: &Server,
    limits: &RateLimits,
    route: Route,
    query: &[(&str, &str)],
    body: Option<&Value>,
    secret: &str,
) -> Exchange {
    let exchange = call(server, route.method(), route.path(), query, body, secret);
    limits.record(&server.url, route, &exchange);
    exchange
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_name_their_method_and_path() {
        for route in Route::ALL {
            let method = match route.method() {
                Method::Get => "GET",
                Method::Post => "POST",
            };
            assert!(route.label().starts_with(method), "{route}");
            assert!(route.label().ends_with(route.path()), "{route}");
        }
        assert_eq!(
            Server::new("http://h/").endpoint(Route::Info.path()),
            "http://h/api/info"
        );
        assert_eq!(Route::Visitor.default_limit(), Some(5));
        assert_eq!(Route::Room.default_limit(), Some(5));
        assert_eq!(Route::RoomSurvey.default_limit(), Some(10));
        assert_eq!(Route::Info.default_limit(), None);
    }
}
