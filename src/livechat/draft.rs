//! The survey as the console's form holds it: the value chosen per rating item, the feedback
//! and extra items, turned into the items sent in the order of the server's survey.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rules::{FEEDBACK_NAME, SurveyItem, SurveyRules};

/// A survey as a form holds it: the value chosen for each rating item (none: not answered),
/// feedback text and free extra items.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SurveyDraft {
    /// The value chosen for each rating item, by name.
    pub ratings: BTreeMap<String, String>,
    /// The additional feedback; empty means none.
    pub feedback: String,
    /// Extra items sent as they are (for trying out the server's rules).
    pub extra: Vec<SurveyItem>,
}

impl SurveyDraft {
    /// The items to send: the ratings in the order of the rules' items (then any other rating
    /// chosen earlier), then the feedback, then the extra items.
    pub fn items(&self, rules: &SurveyRules) -> Vec<SurveyItem> {
        let mut items: Vec<SurveyItem> = rules
            .items
            .iter()
            .filter_map(|name| {
                self.ratings
                    .get(name)
                    .map(|v| SurveyItem::new(name.clone(), v.clone()))
            })
            .collect();
        items.extend(
            self.ratings
                .iter()
                .filter(|(name, _)| !rules.items.contains(name))
                .map(|(name, value)| SurveyItem::new(name.clone(), value.clone())),
        );
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
    fn a_draft_lists_its_items() {
        let draft = SurveyDraft {
            ratings: [("agentResposiveness", "3"), ("satisfaction", "5")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            feedback: "Thanks".into(),
            extra: vec![item("nps", "9"), item("", "")],
        };
        assert_eq!(
            draft.items(&SurveyRules::builtin()),
            [
                item("satisfaction", "5"),
                item("agentResposiveness", "3"),
                item("additionalFeedback", "Thanks"),
                item("nps", "9"),
            ]
        );
    }
}
