//! What an edit of a campaign's settings changes, setting by setting, and whether it may
//! be made while the campaign runs. The engine decides with this, the timeline records
//! it, and every client says it in the same words.

use super::table::{Setting, SETTINGS};
use super::CampaignSettings;
use crate::domain::CampaignId;
use serde::{Deserialize, Serialize};

/// One setting an edit changed, shown as its row shows values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingChange {
    /// The setting's key (max_concurrent)
    pub key: String,
    pub label: String,
    /// The value before, as the setting shows it (empty: none)
    pub from: String,
    /// The value after
    pub to: String,
}

impl std::fmt::Display for SettingChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |value: &str| match value {
            "" => "none".to_string(),
            v if v.chars().count() > 40 => format!("{}…", v.chars().take(39).collect::<String>()),
            v => v.to_string(),
        };
        write!(
            f,
            "{} {} → {}",
            self.label,
            shown(&self.from),
            shown(&self.to)
        )
    }
}

/// Every setting whose value differs between `before` and `after`, in the table's order.
pub fn changes(before: &CampaignSettings, after: &CampaignSettings) -> Vec<SettingChange> {
    SETTINGS
        .iter()
        .filter_map(|setting| {
            let (from, to) = (setting.show(before), setting.show(after));
            (from != to).then(|| SettingChange {
                key: setting.key.into(),
                label: setting.label.into(),
                from,
                to,
            })
        })
        .collect()
}

/// Why these changes cannot be made while campaign `id` runs, naming each setting that
/// must wait for a pause; `None` when all of them may.
pub fn refused_while_running(id: CampaignId, changes: &[SettingChange]) -> Option<String> {
    let waiting: Vec<&str> = changes
        .iter()
        .filter(|c| !super::table::setting(&c.key).is_some_and(|s| s.while_running))
        .map(|c| c.label.as_str())
        .collect();
    if waiting.is_empty() {
        return None;
    }
    let live: Vec<&str> = SETTINGS
        .iter()
        .filter(|s| s.while_running)
        .map(|s: &Setting| s.label)
        .collect();
    Some(format!(
        "campaign {id} is running: {} can change only while it is paused (pause it, edit, resume); \
         these change while it runs, from the next dial: {}",
        waiting.join(", "),
        live.join(", ")
    ))
}

/// The changes in one line, for the timeline: `Concurrent calls 3 → 10, Daily cap none → 500`.
pub fn summary(changes: &[SettingChange]) -> String {
    changes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_lists_what_it_changed_and_only_that() {
        let before = CampaignSettings::default();
        let mut after = before.clone();
        after.max_concurrent = before.max_concurrent + 7;
        after.daily_cap = Some(500);
        let found = changes(&before, &after);
        let keys: Vec<&str> = found.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["max_concurrent", "daily_cap"]);
        assert_eq!(found[1].from, "");
        assert_eq!(found[1].to, "500");
        assert!(summary(&found).contains("→ 500"), "{}", summary(&found));
        assert!(
            summary(&found).contains("none → 500"),
            "{}",
            summary(&found)
        );
        assert!(changes(&before, &before).is_empty());
    }

    #[test]
    fn pace_size_hours_caps_and_numbers_change_while_running_what_a_call_is_does_not() {
        let before = CampaignSettings::default();
        let mut after = before.clone();
        after.max_concurrent = 10;
        after.call_delay_ms = 250;
        after.daily_cap = Some(100);
        after.caller_ids = crate::domain::CallerIdPool::parse_list("+12125550100").unwrap();
        assert_eq!(
            refused_while_running(CampaignId(2), &changes(&before, &after)),
            None
        );
        after.agent_name = "another-agent".into();
        after.trunk_id = "ST_other".into();
        let refusal = refused_while_running(CampaignId(2), &changes(&before, &after))
            .expect("agent and trunk wait for a pause");
        assert!(
            refusal.starts_with(
                "campaign 2 is running: Agent name, Outbound trunk can change only while it is paused"
            ),
            "{refusal}"
        );
        assert!(refusal.contains("Concurrent calls"), "{refusal}");
    }
}
