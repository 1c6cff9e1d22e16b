//! What a server says about itself before a survey: its version (`GET /api/info`) and its
//! livechat settings (`GET /api/v1/livechat/config`), among them the survey's own items and
//! values. A server that does not answer, or publishes no survey, leaves the built-in rules.

use serde_json::Value;

use super::Server;
use super::errors::ApiError;
use super::rate::RateLimits;
use super::routes::{Route, send};
use super::rules::SurveyRules;

/// The livechat settings a server published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LivechatConfig {
    /// `config.enabled`: false when livechat is turned off (setting `Livechat_enabled`).
    pub enabled: bool,
    /// `config.online`: whether an agent (or the offline setting) can take a new chat.
    pub online: Option<bool>,
    /// `config.settings.transcript`: whether the widget offers visitors their transcript.
    pub transcript: Option<bool>,
    /// `config.survey`, when published.
    pub rules: Option<SurveyRules>,
}

impl LivechatConfig {
    /// Reads the `config` object of the answer.
    pub fn from_answer(answer: &Value) -> Option<LivechatConfig> {
        let config = answer.get("config")?;
        Some(LivechatConfig {
            enabled: config.get("enabled").and_then(Value::as_bool) != Some(false),
            online: config.get("online").and_then(Value::as_bool),
            transcript: config
                .get("settings")
                .and_then(|s| s.get("transcript"))
                .and_then(Value::as_bool),
            rules: SurveyRules::from_config(config),
        })
    }
}

/// What the server said about itself; each part may have failed on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerInfo {
    /// The server's version (without the patch number when asked without logging in, as the
    /// newest servers answer), or why it is unknown.
    pub version: Result<String, ApiError>,
    /// The livechat settings, or why they are unknown.
    pub livechat: Result<LivechatConfig, ApiError>,
}

impl ServerInfo {
    /// The rules to check a survey against: the server's, else the built-in ones.
    pub fn rules(&self) -> SurveyRules {
        self.livechat
            .as_ref()
            .ok()
            .and_then(|c| c.rules.clone())
            .unwrap_or_else(SurveyRules::builtin)
    }

    /// The version as shown, e.g. `Rocket.Chat 7.4`, or `unknown`.
    pub fn version_text(&self) -> String {
        match &self.version {
            Ok(version) => format!("Rocket.Chat {version}"),
            Err(_) => "unknown".to_owned(),
        }
    }

    /// What the operator should know before a survey: a livechat that is turned off, no agent
    /// online, where the rules come from.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = self.livechat_notes();
        notes.push(self.rules_note());
        notes
    }

    /// What the operator should know before a test conversation: a livechat that is turned
    /// off, no agent online.
    pub fn livechat_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let Ok(config) = &self.livechat else {
            return notes;
        };
        if !config.enabled {
            notes.push(
                "Livechat is turned off on this server (livechat-disabled): new conversations \
                 are refused; an administrator turns it on under Omnichannel (setting \
                 Livechat_enabled)."
                    .to_owned(),
            );
        } else if config.online == Some(false) {
            notes.push(
                "No agent is online: a new test conversation will be refused (no-agent-online)."
                    .to_owned(),
            );
        }
        notes
    }

    /// Where the survey rules come from.
    pub fn rules_note(&self) -> String {
        match &self.livechat {
            Ok(LivechatConfig {
                rules: Some(rules), ..
            }) => format!(
                "Survey rules from the server: items {}, values {}.",
                rules.items_text(),
                rules.values_text()
            ),
            Ok(_) => "The server publishes no survey rules in livechat/config: the built-in list \
                      is used."
                .to_owned(),
            Err(err) => format!(
                "The server's survey rules are unknown ({}): the built-in list is used.",
                err.message
            ),
        }
    }
}

/// Asks the server for its version and its livechat settings (no visitor token is sent).
pub fn server_info(server: &Server, limits: &RateLimits) -> ServerInfo {
    let info = send(server, limits, Route::Info, &[], None, "");
    let version = info.result.and_then(|json| {
        json.get("version")
            .and_then(Value::as_str)
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.trim().to_owned())
            .ok_or_else(|| not_rocket_chat(&info.url, info.http_status, "version"))
    });
    let config = send(server, limits, Route::Config, &[], None, "");
    let livechat = config.result.and_then(|json| {
        LivechatConfig::from_answer(&json)
            .ok_or_else(|| not_rocket_chat(&config.url, config.http_status, "config"))
    });
    ServerInfo { version, livechat }
}

fn not_rocket_chat(url: &str, status: Option<u16>, key: &str) -> ApiError {
    ApiError {
        code: super::ErrorCode::HttpError,
        message: format!("The answer has no {key}: is this a Rocket.Chat server?"),
        server_error: None,
        http_status: status,
        retry_after_s: None,
        net_kind: None,
        url: url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_published_config_gives_the_servers_rules() {
        let answer = json!({"config": {
            "enabled": true, "online": false, "settings": {"transcript": true},
            "survey": {"items": ["satisfaction"], "values": ["1", "2", "3"]}
        }, "success": true});
        let config = LivechatConfig::from_answer(&answer).unwrap();
        assert!(config.enabled);
        assert_eq!(config.online, Some(false));
        assert_eq!(config.transcript, Some(true));
        let info = ServerInfo {
            version: Ok("7.4".into()),
            livechat: Ok(config),
        };
        assert_eq!(info.rules().items, ["satisfaction"]);
        assert_eq!(info.version_text(), "Rocket.Chat 7.4");
        let notes = info.notes();
        assert!(notes[0].contains("no-agent-online"), "{notes:?}");
        assert_eq!(
            notes[1],
            "Survey rules from the server: items satisfaction, values 1, 2, 3."
        );
    }

    #[test]
    fn a_disabled_livechat_publishes_no_rules() {
        let answer = json!({"config": {"enabled": false}, "success": true});
        let info = ServerInfo {
            version: Ok("6.13.1".into()),
            livechat: Ok(LivechatConfig::from_answer(&answer).unwrap()),
        };
        assert_eq!(info.rules(), SurveyRules::builtin());
        let notes = info.notes();
        assert!(notes[0].contains("livechat-disabled"), "{notes:?}");
        assert!(notes[1].contains("built-in list"), "{notes:?}");
    }
}
