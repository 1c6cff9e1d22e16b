//! What a Rocket.Chat server accepts in a room survey, said before sending and checked after.
//!
//! The server keeps items named `satisfaction`, `agentKnowledge`, `agentResposiveness` (spelled
//! so in the server) and `agentFriendliness` with a value "1" to "5", and `additionalFeedback`
//! with any text. Everything else is dropped without a word; when nothing is left it answers
//! `invalid-data`. A later item of the same name replaces an earlier one.

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

/// The four ratings, in the widget's order.
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

/// The free-text item.
pub const FEEDBACK_NAME: &str = "additionalFeedback";

/// The server's name of a rating, also accepting the correctly spelled `agentResponsiveness`
/// (the server spells it `agentResposiveness`). `None` for anything else.
pub fn rating_name(name: &str) -> Option<&'static str> {
    if name == "agentResponsiveness" {
        return Some("agentResposiveness");
    }
    RATINGS.iter().find(|r| r.name == name).map(|r| r.name)
}

/// Why the server drops (or dropped) an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropReason {
    /// The server does not know the name.
    UnknownName,
    /// A rating whose value is not "1" to "5".
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

    /// The reason in plain words.
    pub fn describe(self) -> &'static str {
        match self {
            DropReason::UnknownName => {
                "the server does not know this name (it keeps satisfaction, agentKnowledge, \
                 agentResposiveness, agentFriendliness and additionalFeedback)"
            }
            DropReason::OutOfRange => "a rating must be \"1\" to \"5\"",
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

/// Why the server would drop this item, if it would; `later` are the items after it.
fn drop_reason(item: &SurveyItem, later: &[SurveyItem]) -> Option<DropReason> {
    let known = item.name == FEEDBACK_NAME || RATINGS.iter().any(|r| r.name == item.name);
    if !known {
        return Some(DropReason::UnknownName);
    }
    if item.name != FEEDBACK_NAME && !matches!(item.value.as_str(), "1" | "2" | "3" | "4" | "5") {
        return Some(DropReason::OutOfRange);
    }
    let replaced = later
        .iter()
        .any(|l| l.name == item.name && drop_reason(l, &[]).is_none());
    replaced.then_some(DropReason::Replaced)
}

/// What the server will do with a survey, said before sending.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Precheck {
    /// Problems that stop the survey from being sent (empty rid or token).
    pub errors: Vec<String>,
    /// What the server will do that the operator may not expect; sending is still allowed.
    pub warnings: Vec<String>,
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

/// Applies the server's rules to a survey before it is sent.
pub fn precheck(rid: &str, token: &str, items: &[SurveyItem]) -> Precheck {
    let mut check = Precheck::default();
    if rid.trim().is_empty() {
        check.errors.push("The room id (rid) is empty.".to_owned());
    }
    if token.trim().is_empty() {
        check.errors.push("The visitor token is empty.".to_owned());
    }
    for (i, item) in items.iter().enumerate() {
        match drop_reason(item, &items[i + 1..]) {
            Some(reason) => {
                check.warnings.push(format!(
                    "{} = \"{}\" will be dropped silently: {}.",
                    display_name(&item.name),
                    item.value,
                    reason.describe()
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

/// After a success: the items sent that are not in what the server accepted, with the reason.
pub fn compare(sent: &[SurveyItem], accepted: &[SurveyItem]) -> Vec<Dropped> {
    let mut dropped = Vec::new();
    for (i, item) in sent.iter().enumerate() {
        let reason = drop_reason(item, &sent[i + 1..]).or_else(|| {
            let kept = accepted
                .iter()
                .any(|a| a.name == item.name && a.value == item.value);
            (!kept).then_some(DropReason::NotAccepted)
        });
        if let Some(reason) = reason {
            dropped.push(Dropped {
                name: item.name.clone(),
                value: item.value.clone(),
                reason,
            });
        }
    }
    dropped
}

/// A survey as a form holds it: a rating 1..5 (or none) per question, feedback text and free
/// extra items.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SurveyDraft {
    /// The rating of each of [`RATINGS`], in order.
    pub ratings: [Option<u8>; 4],
    /// The additional feedback; empty means none.
    pub feedback: String,
    /// Extra items sent as they are (for trying out the server's rules).
    pub extra: Vec<SurveyItem>,
}

impl SurveyDraft {
    /// The items to send: ratings, then feedback, then the extra items.
    pub fn items(&self) -> Vec<SurveyItem> {
        let mut items: Vec<SurveyItem> = RATINGS
            .iter()
            .zip(self.ratings)
            .filter_map(|(r, v)| v.map(|v| SurveyItem::new(r.name, v.to_string())))
            .collect();
        if !self.feedback.trim().is_empty() {
            items.push(SurveyItem::new(FEEDBACK_NAME, self.feedback.clone()));
        }
        items.extend(
            self.extra
                .iter()
                .filter(|i| !(i.name.is_empty() && i.value.is_empty()))
                .cloned(),
        );
        items
    }
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
        let check = precheck("rid1", "tok1", &items);
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
        let check = precheck("r", "t", &[item("nps", "10")]);
        assert!(check.can_send());
        assert!(check.kept.is_empty());
        assert!(check.warnings.last().unwrap().contains("invalid-data"));
        let empty = precheck("r", "t", &[]);
        assert!(empty.warnings[0].contains("invalid-params"));
    }

    #[test]
    fn empty_rid_or_token_is_refused() {
        let check = precheck(" ", "", &[item("satisfaction", "3")]);
        assert!(!check.can_send());
        assert_eq!(check.errors.len(), 2);
    }

    #[test]
    fn a_later_item_replaces_an_earlier_one() {
        let items = [item("satisfaction", "2"), item("satisfaction", "4")];
        let check = precheck("r", "t", &items);
        assert_eq!(check.kept, [item("satisfaction", "4")]);
        assert_eq!(check.dropped[0].reason, DropReason::Replaced);
    }

    #[test]
    fn sent_and_accepted_are_compared() {
        let sent = [
            item("satisfaction", "5"),
            item("agentHelpfulness", "3"),
            item("agentFriendliness", "4"),
        ];
        let accepted = [item("satisfaction", "5")];
        let dropped = compare(&sent, &accepted);
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
    }

    #[test]
    fn a_draft_lists_its_items() {
        let draft = SurveyDraft {
            ratings: [Some(5), None, Some(3), None],
            feedback: "Thanks".into(),
            extra: vec![item("nps", "9"), item("", "")],
        };
        assert_eq!(
            draft.items(),
            [
                item("satisfaction", "5"),
                item("agentResposiveness", "3"),
                item("additionalFeedback", "Thanks"),
                item("nps", "9"),
            ]
        );
    }
}
