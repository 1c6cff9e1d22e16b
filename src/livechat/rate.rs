//! What the server's rate limits allow next, per server and route, so that the console can say
//! before sending that a call will be refused and for how long.
//!
//! Rocket.Chat limits every `/api/v1` route per client address in fixed windows (by default 10
//! calls a minute; 5 for `livechat/visitor` and `GET livechat/room` on the newest servers) and
//! answers every call of a limited route with `X-RateLimit-Limit`, `-Remaining` and `-Reset`
//! (epoch milliseconds). Each answer is noted here; a route whose window has no call left is
//! refused until its reset. A server that sends none of these headers has its limiter off and
//! is never forecast.
//!
//! The CLI runs one process per call, so what was seen is kept in a small JSON file
//! (`livechat-rate-limits.json` in the data dir, or `$SURVEY_CONSOLE_LIVECHAT_RATE_LIMITS`):
//! a cache of the last answers, re-read before each update so that concurrent runs add up.
//! Windows that have ended are dropped. Nothing secret is kept: server URLs lose any password.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::client::Exchange;
use super::errors::{now_ms, reset_at_ms};
use super::routes::Route;

/// Environment variable that moves the rate-limit file (tests, portable setups).
pub const RATE_LIMITS_ENV: &str = "SURVEY_CONSOLE_LIVECHAT_RATE_LIMITS";

/// The window of one route as its last answer described it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Calls allowed in a window, when the server said.
    pub limit: Option<u32>,
    /// Calls left in this window.
    pub remaining: u32,
    /// When the window ends, in epoch milliseconds.
    pub reset_at_ms: u64,
}

/// A call the server will refuse: its route has no call left until the window ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The route.
    pub route: Route,
    /// Calls the route allows in a window (the server's word, else the usual default).
    pub limit: Option<u32>,
    /// Seconds until the window ends.
    pub wait_s: u64,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the server will refuse the next call to {} for another {} s (rate limit",
            self.route, self.wait_s
        )?;
        match self.limit {
            Some(1) => write!(f, ": 1 call a minute)"),
            Some(limit) => write!(f, ": {limit} calls a minute)"),
            None => write!(f, ")"),
        }
    }
}

/// The last window seen per server and route, optionally kept in a file.
#[derive(Debug, Default)]
pub struct RateLimits {
    path: Option<PathBuf>,
    windows: Mutex<BTreeMap<String, Window>>,
}

/// The file could not be written. The message ends with its path.
#[derive(Debug, thiserror::Error)]
#[error("keeping the livechat rate limits failed: {0}")]
pub struct RateLimitsError(#[from] crate::files::FileError);

impl RateLimits {
    /// Limits kept only in memory (tests, a single console session).
    pub fn in_memory() -> RateLimits {
        RateLimits::default()
    }

    /// Limits kept in `path`; a missing or unreadable file starts empty.
    pub fn at(path: impl Into<PathBuf>) -> RateLimits {
        let path = path.into();
        let windows = Mutex::new(read_file(&path));
        RateLimits {
            path: Some(path),
            windows,
        }
    }

    /// Limits kept in the default file (see the module docs).
    pub fn open_default() -> RateLimits {
        RateLimits::at(RateLimits::default_path())
    }

    /// The default file: `$SURVEY_CONSOLE_LIVECHAT_RATE_LIMITS` when set, else
    /// `livechat-rate-limits.json` in the platform's data dir.
    pub fn default_path() -> PathBuf {
        if let Some(path) = std::env::var_os(RATE_LIMITS_ENV).filter(|p| !p.is_empty()) {
            return PathBuf::from(path);
        }
        dirs::data_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("survey-console")
            .join("livechat-rate-limits.json")
    }

    /// Where the limits are kept, if in a file.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Window>> {
        self.windows.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes what an answer of `route` said about its window. An answer without rate-limit
    /// headers changes nothing (unless it is a 429, which empties the window). Returns the
    /// error of keeping the file, if that failed; the limits in memory are updated anyway.
    pub fn record(&self, server_url: &str, route: Route, exchange: &Exchange) {
        let _ = self.try_record(server_url, route, exchange, now_ms());
    }

    /// [`RateLimits::record`] at a given time, with the file's error.
    pub fn try_record(
        &self,
        server_url: &str,
        route: Route,
        exchange: &Exchange,
        now_ms: u64,
    ) -> Result<(), RateLimitsError> {
        let rate = &exchange.rate;
        let limited = exchange.http_status == Some(429);
        let remaining = match rate.remaining() {
            Some(n) => n,
            None if limited => 0,
            None => return Ok(()),
        };
        let reset = reset_at_ms(rate, now_ms).or_else(|| {
            let wait = exchange.result.as_ref().err()?.retry_after_s?;
            Some(now_ms + wait * 1000)
        });
        let Some(reset_at_ms) = reset else {
            return Ok(());
        };
        let window = Window {
            limit: rate.limit(),
            remaining: if limited { 0 } else { remaining },
            reset_at_ms,
        };
        // The file is read and written outside the lock: the console's frame reads the windows.
        // Another run may have noted other routes since this one started.
        let on_disk = self.path.as_deref().map(read_file).unwrap_or_default();
        let snapshot = {
            let mut windows = self.lock();
            for (key, seen) in on_disk {
                windows.entry(key).or_insert(seen);
            }
            windows.insert(key(server_url, route), window);
            windows.retain(|_, w| w.reset_at_ms > now_ms);
            windows.clone()
        };
        let Some(path) = &self.path else {
            return Ok(());
        };
        let text = serde_json::to_string_pretty(&snapshot).unwrap_or_else(|_| "{}".to_owned());
        crate::files::write_atomic(path, text.as_bytes(), false)?;
        Ok(())
    }

    /// The window last seen for `route`, if it has not ended by `now_ms`.
    pub fn window(&self, server_url: &str, route: Route, now_ms: u64) -> Option<Window> {
        self.lock()
            .get(&key(server_url, route))
            .copied()
            .filter(|w| w.reset_at_ms > now_ms)
    }

    /// Whether the server will refuse the next call to `route`, and for how long.
    pub fn forecast(&self, server_url: &str, route: Route, now_ms: u64) -> Option<Refusal> {
        let window = self.window(server_url, route, now_ms)?;
        (window.remaining == 0).then(|| Refusal {
            route,
            limit: window.limit.or(route.default_limit()),
            wait_s: window.reset_at_ms.saturating_sub(now_ms).div_ceil(1000),
        })
    }

    /// The refusals, now, of the routes a piece of work will call, in that order.
    pub fn refusals(&self, server_url: &str, routes: &[Route]) -> Vec<Refusal> {
        let now = now_ms();
        routes
            .iter()
            .filter_map(|r| self.forecast(server_url, *r, now))
            .collect()
    }
}

/// The key of a route on a server: its base URL without credentials, and the route.
fn key(server_url: &str, route: Route) -> String {
    let base = match crate::net::check_url(server_url) {
        Ok(mut url) => {
            let _ = url.set_password(None);
            let _ = url.set_username("");
            url.to_string()
        }
        Err(_) => server_url.trim().to_owned(),
    };
    format!("{} {}", base.trim_end_matches('/'), route.label())
}

/// The windows kept in `path`; nothing when it is missing, unreadable or malformed (it is a
/// cache: the next answer of each route fills it again).
fn read_file(path: &Path) -> BTreeMap<String, Window> {
    const MAX: u64 = 1024 * 1024;
    crate::files::read_bounded(path, MAX)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::livechat::errors::RateHeaders;

    const NOW: u64 = 1_700_000_000_000;

    fn answer(status: u16, remaining: Option<&str>, reset: Option<u64>) -> Exchange {
        Exchange {
            url: "http://h/api/v1/livechat/visitor".into(),
            http_status: Some(status),
            answer: String::new(),
            rate: RateHeaders {
                limit: remaining.map(|_| "5".to_owned()),
                remaining: remaining.map(str::to_owned),
                reset: reset.map(|r| r.to_string()),
                retry_after: None,
            },
            result: Ok(serde_json::Value::Null),
        }
    }

    #[test]
    fn an_empty_window_is_refused_until_its_reset() {
        let limits = RateLimits::in_memory();
        let server = "http://h:3000/";
        limits
            .try_record(
                server,
                Route::Visitor,
                &answer(200, Some("1"), Some(NOW + 30_000)),
                NOW,
            )
            .unwrap();
        assert_eq!(limits.forecast(server, Route::Visitor, NOW), None);
        limits
            .try_record(
                server,
                Route::Visitor,
                &answer(200, Some("0"), Some(NOW + 29_500)),
                NOW + 500,
            )
            .unwrap();
        let refusal = limits
            .forecast("http://h:3000", Route::Visitor, NOW + 1_000)
            .unwrap();
        assert_eq!(refusal.wait_s, 29);
        assert_eq!(refusal.limit, Some(5));
        assert_eq!(
            refusal.to_string(),
            "the server will refuse the next call to POST livechat/visitor for another 29 s \
             (rate limit: 5 calls a minute)"
        );
        // Other routes and servers are not affected, and the window ends.
        assert_eq!(limits.forecast(server, Route::Room, NOW + 1_000), None);
        assert_eq!(limits.forecast("http://other", Route::Visitor, NOW), None);
        assert_eq!(limits.forecast(server, Route::Visitor, NOW + 30_000), None);
    }

    #[test]
    fn answers_without_headers_change_nothing_but_a_429_empties_the_window() {
        let limits = RateLimits::in_memory();
        limits
            .try_record("http://h", Route::Room, &answer(200, None, None), NOW)
            .unwrap();
        assert_eq!(limits.window("http://h", Route::Room, NOW), None);
        let mut refused = answer(429, None, Some(NOW + 10_000));
        refused.rate.limit = None;
        limits
            .try_record("http://h", Route::Room, &refused, NOW)
            .unwrap();
        let refusal = limits.forecast("http://h", Route::Room, NOW).unwrap();
        assert_eq!((refusal.wait_s, refusal.limit), (10, Some(5)));
    }

    #[test]
    fn the_file_keeps_windows_across_runs_without_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rate.json");
        let first = RateLimits::at(&path);
        let server = "http://user:secret-pw@h:3000";
        let later = now_ms() + 60_000;
        first
            .try_record(
                server,
                Route::Visitor,
                &answer(200, Some("0"), Some(later)),
                now_ms(),
            )
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("secret-pw"), "{text}");
        let second = RateLimits::at(&path);
        assert!(
            second
                .forecast("http://h:3000", Route::Visitor, now_ms())
                .is_some()
        );
        // A malformed file is a cache miss, not an error.
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(
            RateLimits::at(&path).window(server, Route::Visitor, now_ms()),
            None
        );
    }
}
