//! What a Rocket.Chat server accepts in a room survey, said before sending and checked after.
//!
//! The server keeps the items of its survey (`config.survey.items` of `GET livechat/config`;
//! every server so far: `satisfaction`, `agentKnowledge`, `agentResposiveness`, spelled so, and
//! `agentFriendliness`) with one of its values (`config.survey.values`: "1" to "5"), and
//! `additionalFeedback` with any text. Everything else is dropped without a word; when nothing
//! is left it answers `invalid-data`. A later item of the same name replaces an earlier one.
//! [`SurveyRules`] holds what the server published, or the built-in list when it published
//! nothing.

use serde::{Deserialize, Serialize};

/// One `{name, value}` item of a survey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyItem {
    /// The item's name.
    pub name: String,
    /// Its value, always a string on the wire.
    pub value: String,
}

impl SurveyItem {
    /// An item.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> SurveyItem {
        SurveyItem {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// One rating the livechat widget asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rating {
    /// The name the server knows.
    pub name: &'static str,
    /// The widget's question.
    pub question: &'static str,
}

/// The four ratings of the built-in survey, in the widget's order.
pub const RATINGS: [Rating; 4] = [
    Rating {
        name: "satisfaction",
        question: "How satisfied were you with this chat?",
    },
    Rating {
        name: "agentKnowledge",
        question: "How knowledgeable was the chat agent?",
    },
    Rating {
        name: "agentResposiveness",
        question: "How responsive was the chat agent?",
    },
    Rating {
        name: "agentFriendliness",
        question: "How friendly was the chat agent?",
    },
];

/// The values of the built-in survey.
pub const RATING_VALUES: [&str; 5] = ["1", "2", "3", "4", "5"];

/// The free-text item: always kept, whatever the survey's items.
pub const FEEDBACK_NAME: &str = "additionalFeedback";

/// The widget's question for a survey item, or the item's name when the widget has none.
pub fn question(name: &str) -> &str {
    RATINGS
        .iter()
        .find(|r| r.name == name)
        .map_or(name, |r| r.question)
}

/// The server's name of a built-in rating, also accepting the correctly spelled
/// `agentResponsiveness` (the server spells it `agentResposiveness`). `None` for anything else.
pub fn rating_name(name: &str) -> Option<&'static str> {
    if name == "agentResponsiveness" {
        return Some("agentResposiveness");
    }
    RATINGS.iter().find(|r| r.name == name).map(|r| r.name)
}

/// Where the survey rules came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RulesSource {
    /// The server published them in `GET livechat/config`.
    Server,
    /// The server did not publish them (or was not asked): the built-in list.
    BuiltIn,
}

impl RulesSource {
    /// The source as its JSON word.
    pub fn as_str(self) -> &'static str {
        match self {
            RulesSource::Server => "server",
            RulesSource::BuiltIn => "built-in",
        }
    }
}

/// Which items a server keeps in a room survey and which values they may have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyRules {
    /// The rating items, in the widget's order.
    pub items: Vec<String>,
    /// The values a rating may have.
    pub values: Vec<String>,
    /// Where the rules came from.
    pub source: RulesSource,
}

impl Default for SurveyRules {
    fn default() -> Self {
        SurveyRules::builtin()
    }
}

impl SurveyRules {
    /// The rules every Rocket.Chat server has shipped: four ratings, "1" to "5".
    pub fn builtin() -> SurveyRules {
        SurveyRules {
            items: RATINGS.iter().map(|r| r.name.to_owned()).collect(),
            values: RATING_VALUES.iter().map(|v| (*v).to_owned()).collect(),
            source: RulesSource::BuiltIn,
        }
    }

    /// The rules a server publishes in its livechat config (`config.survey.items` and
    /// `.values`, both lists of strings); `None` when it publishes none.
    pub fn from_config(config: &serde_json::Value) -> Option<SurveyRules> {
        let survey = config.get("survey")?;
        let strings = |key: &str| -> Option<Vec<String>> {
            let list = survey.get(key)?.as_array()?;
            let strings: Option<Vec<String>> =
                list.iter().map(|v| v.as_str().map(str::to_owned)).collect();
            strings.filter(|s| !s.is_empty())
        };
        Some(SurveyRules {
            items: strings("items")?,
            values: strings("values")?,
            source: RulesSource::Server,
        })
    }

    /// The server's name for `name`: the correctly spelled `agentResponsiveness` becomes the
    /// server's `agentResposiveness` when the server uses that spelling.
    pub fn canonical_name(&self, name: &str) -> String {
        if name == "agentResponsiveness"
            && !self.items.iter().any(|i| i == name)
            && self.items.iter().any(|i| i == "agentResposiveness")
        {
            return "agentResposiveness".to_owned();
        }
        name.to_owned()
    }

    /// True when the server keeps an item of this name (the ratings and the feedback).
    pub fn knows(&self, name: &str) -> bool {
        name == FEEDBACK_NAME || self.items.iter().any(|i| i == name)
    }

    /// The rating items as a list for messages: `satisfaction, agentKnowledge, …`.
    pub fn items_text(&self) -> String {
        self.items.join(", ")
    }

    /// The values as a list for messages: `1, 2, 3, 4, 5`.
    pub fn values_text(&self) -> String {
        self.values.join(", ")
    }

    /// Why the server would drop this item, if it would; `later` are the items after it.
    fn drop_reason(&self, item: &SurveyItem, later: &[SurveyItem]) -> Option<DropReason> {
        if !self.knows(&item.name) {
            return Some(DropReason::UnknownName);
        }
        if item.name != FEEDBACK_NAME && !self.values.contains(&item.value) {
            return Some(DropReason::OutOfRange);
        }
        let replaced = later
            .iter()
            .any(|l| l.name == item.name && self.drop_reason(l, &[]).is_none());
        replaced.then_some(DropReason::Replaced)
    }

    /// The reason in plain words, with these rules' items and values.
    pub fn describe(&self, reason: DropReason) -> String {
        match reason {
            DropReason::UnknownName => format!(
                "the server's survey has no item of this name (it keeps {} and {FEEDBACK_NAME})",
                self.items_text()
            ),
            DropReason::OutOfRange => {
                format!("a rating must be one of {}", self.values_text())
            }
            other => other.describe().to_owned(),
        }
    }
}

/// Why the server drops (or dropped) an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropReason {
    /// The server does not know the name.
    UnknownName,
    /// A rating whose value is not one of the server's values.
    OutOfRange,
    /// A later item of the same name replaces it.
    Replaced,
    /// Sent, valid, but missing (or different) in the server's answer.
    NotAccepted,
}

impl DropReason {
    /// The reason as its JSON word.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::UnknownName => "unknown-name",
            DropReason::OutOfRange => "out-of-range",
            DropReason::Replaced => "replaced",
            DropReason::NotAccepted => "not-accepted",
        }
    }

    /// The reason in plain words (see [`SurveyRules::describe`] for the words with the
    /// server's items and values).
    pub fn describe(self) -> &'static str {
        match self {
            DropReason::UnknownName => "the server's survey has no item of this name",
            DropReason::OutOfRange => "the value is not one of the server's rating values",
            DropReason::Replaced => "a later item of the same name replaces it",
            DropReason::NotAccepted => "the server's answer does not contain it",
        }
    }
}

/// An item the server drops, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dropped {
    /// The item's name.
    pub name: String,
    /// The item's value.
    pub value: String,
    /// Why it is dropped.
    pub reason: DropReason,
}

/// What the server will do with a survey, said before sending.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Precheck {
    /// Problems that stop the survey from being sent (an empty token).
    pub errors: Vec<String>,
    /// What the server will do that the operator may not expect; sending is still allowed.
    pub warnings: Vec<String>,
    /// What the server will do that is worth knowing (an empty rid).
    pub notes: Vec<String>,
    /// The items the server will keep.
    pub kept: Vec<SurveyItem>,
    /// The items it will drop silently, with the reason.
    pub dropped: Vec<Dropped>,
}

impl Precheck {
    /// True when the survey may be sent.
    pub fn can_send(&self) -> bool {
        self.errors.is_empty()
    }
}

/// What the console says when the rid is empty.
pub const EMPTY_RID_NOTE: &str = "The room id is empty: it is sent empty, and the server then \
                                  uses the visitor's own room (its open room).";

/// Applies the server's rules to a survey before it is sent. The CLI and the console both
/// decide with this: an item the server will drop is a warning, never a refusal.
pub fn precheck(rid: &str, token: &str, items: &[SurveyItem], rules: &SurveyRules) -> Precheck {
    let mut check = Precheck::default();
    if token.trim().is_empty() {
        check.errors.push("The visitor token is empty.".to_owned());
    }
    if rid.trim().is_empty() {
        check.notes.push(EMPTY_RID_NOTE.to_owned());
    }
    for (i, item) in items.iter().enumerate() {
        match rules.drop_reason(item, &items[i + 1..]) {
            Some(reason) => {
                check.warnings.push(format!(
                    "{} = \"{}\" will be dropped silently: {}.",
                    display_name(&item.name),
                    item.value,
                    rules.describe(reason)
                ));
                check.dropped.push(Dropped {
                    name: item.name.clone(),
                    value: item.value.clone(),
                    reason,
                });
            }
            None => check.kept.push(item.clone()),
        }
    }
    if items.is_empty() {
        check.warnings.push(
            "There is nothing to send: the server will answer invalid-params (a survey needs at \
             least one item)."
                .to_owned(),
        );
    } else if check.kept.is_empty() {
        check.warnings.push(
            "No valid item is left: the server will answer invalid-data and store nothing."
                .to_owned(),
        );
    }
    check
}

fn display_name(name: &str) -> String {
    if name.is_empty() {
        "(no name)".to_owned()
    } else {
        name.to_owned()
    }
}

/// After a success: the items sent that are not in what the server accepted, with the reason
/// by `rules` (the server's answer decides: an item it kept is never listed, whatever the rules
/// said before sending).
pub fn compare(sent: &[SurveyItem], accepted: &[SurveyItem], rules: &SurveyRules) -> Vec<Dropped> {
    let mut dropped = Vec::new();
    for (i, item) in sent.iter().enumerate() {
        let later = &sent[i + 1..];
        let in_answer = |i: &SurveyItem| {
            accepted
                .iter()
                .any(|a| a.name == i.name && a.value == i.value)
        };
        let replaced = later
            .iter()
            .any(|l| l.name == item.name && l.value != item.value && in_answer(l));
        let kept = !replaced && in_answer(item);
        if kept {
            continue;
        }
        let reason = rules
            .drop_reason(item, later)
            .or(replaced.then_some(DropReason::Replaced))
            .unwrap_or(DropReason::NotAccepted);
        dropped.push(Dropped {
            name: item.name.clone(),
            value: item.value.clone(),
            reason,
        });
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, value: &str) -> SurveyItem {
        SurveyItem::new(name, value)
    }

    #[test]
    fn unknown_names_and_out_of_range_values_are_dropped() {
        let items = [
            item("satisfaction", "5"),
            item("agentKnowledge", "9"),
            item("agentHelpfulness", "3"),
            item("additionalFeedback", "fine"),
        ];
        let check = precheck("rid1", "tok1", &items, &SurveyRules::builtin());
        assert!(check.can_send());
        assert_eq!(
            check.kept,
            [
                item("satisfaction", "5"),
                item("additionalFeedback", "fine")
            ]
        );
        let reasons: Vec<_> = check.dropped.iter().map(|d| d.reason).collect();
        assert_eq!(reasons, [DropReason::OutOfRange, DropReason::UnknownName]);
        assert_eq!(check.warnings.len(), 2);
        assert!(check.warnings[1].starts_with("agentHelpfulness = \"3\" will be dropped"));
    }

    #[test]
    fn nothing_valid_left_warns_of_invalid_data() {
        let check = precheck("r", "t", &[item("nps", "10")], &SurveyRules::builtin());
        assert!(check.can_send());
        assert!(check.kept.is_empty());
        assert!(check.warnings.last().unwrap().contains("invalid-data"));
        let empty = precheck("r", "t", &[], &SurveyRules::builtin());
        assert!(empty.warnings[0].contains("invalid-params"));
    }

    #[test]
    fn an_empty_token_is_refused_and_an_empty_rid_sent_with_a_note() {
        let rules = SurveyRules::builtin();
        let check = precheck(" ", "", &[item("satisfaction", "3")], &rules);
        assert!(!check.can_send());
        assert_eq!(check.errors, ["The visitor token is empty."]);
        let check = precheck("", "tok", &[item("satisfaction", "3")], &rules);
        assert!(check.can_send());
        assert_eq!(check.notes, [EMPTY_RID_NOTE]);
        assert!(check.warnings.is_empty());
    }

    #[test]
    fn the_servers_published_rules_replace_the_builtin_ones() {
        let config = serde_json::json!({"survey": {
            "items": ["satisfaction", "nps"],
            "values": ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]
        }});
        let rules = SurveyRules::from_config(&config).unwrap();
        assert_eq!(rules.source, RulesSource::Server);
        let items = [
            item("nps", "9"),
            item("satisfaction", "7"),
            item("agentKnowledge", "3"),
        ];
        let check = precheck("r", "t", &items, &rules);
        assert_eq!(check.kept, [item("nps", "9"), item("satisfaction", "7")]);
        assert_eq!(check.dropped[0].reason, DropReason::UnknownName);
        assert!(
            check.warnings[0].contains("(it keeps satisfaction, nps and additionalFeedback)"),
            "{:?}",
            check.warnings
        );
        // The same items by the built-in rules.
        let builtin = precheck("r", "t", &items, &SurveyRules::builtin());
        assert_eq!(builtin.kept, [item("agentKnowledge", "3")]);
        // A config without a usable survey publishes no rules.
        for config in [
            serde_json::json!({"enabled": false}),
            serde_json::json!({"survey": {"items": [], "values": ["1"]}}),
            serde_json::json!({"survey": {"items": ["a", 1], "values": ["1"]}}),
        ] {
            assert_eq!(SurveyRules::from_config(&config), None, "{config}");
        }
    }

    #[test]
    fn a_later_item_replaces_an_earlier_one() {
        let items = [item("satisfaction", "2"), item("satisfaction", "4")];
        let check = precheck("r", "t", &items, &SurveyRules::builtin());
        assert_eq!(check.kept, [item("satisfaction", "4")]);
        assert_eq!(check.dropped[0].reason, DropReason::Replaced);
    }

    #[test]
    fn the_answer_decides_what_was_kept() {
        let rules = SurveyRules::builtin();
        // The server kept an item the built-in rules did not know, and the earlier of two
        // ratings because the later one was out of range.
        let sent = [
            item("nps", "9"),
            item("satisfaction", "4"),
            item("satisfaction", "8"),
        ];
        let accepted = [item("nps", "9"), item("satisfaction", "4")];
        let dropped = compare(&sent, &accepted, &rules);
        assert_eq!(dropped.len(), 1);
        assert_eq!(
            (dropped[0].value.as_str(), dropped[0].reason),
            ("8", DropReason::OutOfRange)
        );
        let replaced = compare(
            &[item("satisfaction", "2"), item("satisfaction", "3")],
            &[item("satisfaction", "3")],
            &rules,
        );
        assert_eq!(replaced[0].reason, DropReason::Replaced);
    }

    #[test]
    fn sent_and_accepted_are_compared() {
        let sent = [
            item("satisfaction", "5"),
            item("agentHelpfulness", "3"),
            item("agentFriendliness", "4"),
        ];
        let accepted = [item("satisfaction", "5")];
        let dropped = compare(&sent, &accepted, &SurveyRules::builtin());
        assert_eq!(
            dropped,
            [
                Dropped {
                    name: "agentHelpfulness".into(),
                    value: "3".into(),
                    reason: DropReason::UnknownName
                },
                Dropped {
                    name: "agentFriendliness".into(),
                    value: "4".into(),
                    reason: DropReason::NotAccepted
                },
            ]
        );
    }

    #[test]
    fn the_correct_spelling_maps_to_the_servers() {
        assert_eq!(
            rating_name("agentResponsiveness"),
            Some("agentResposiveness")
        );
        assert_eq!(
            rating_name("agentResposiveness"),
            Some("agentResposiveness")
        );
        assert_eq!(rating_name("additionalFeedback"), None);
        assert_eq!(rating_name("nps"), None);
        let rules = SurveyRules::builtin();
        assert_eq!(
            rules.canonical_name("agentResponsiveness"),
            "agentResposiveness"
        );
        assert_eq!(rules.canonical_name("nps"), "nps");
        assert_eq!(
            question("agentKnowledge"),
            "How knowledgeable was the chat agent?"
        );
        assert_eq!(question("nps"), "nps");
    }
}
