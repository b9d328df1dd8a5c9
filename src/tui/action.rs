//! Everything a key can do. Keybindings in TOML name these (`start = "s"`), so the
//! serde names are the public, documented spelling of each action.

use serde::{Deserialize, Serialize};

/// Which keymap answers a key: the main screen, or whatever is open on top of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Normal,
    Detail,
    Help,
    Form,
    Confirm,
    QuitDialog,
    Filter,
    Agents,
    LeadFinder,
    Charts,
    /// The `:` command line.
    Command,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Normal => "main screen",
            Mode::Detail => "detail popup",
            Mode::Help => "help",
            Mode::Form => "forms",
            Mode::Confirm => "confirmations",
            Mode::QuitDialog => "quit dialog",
            Mode::Filter => "filter",
            Mode::Agents => "agents popup",
            Mode::LeadFinder => "lead finder",
            Mode::Charts => "charts",
            Mode::Command => "command line",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Start,
    Pause,
    Resume,
    Stop,
    NewCampaign,
    EditCampaign,
    DeleteCampaign,
    Import,
    AddDnc,
    HangUp,
    Details,
    Filter,
    Follow,
    FocusNext,
    FocusPrev,
    FocusCampaigns,
    FocusSlots,
    FocusQueue,
    FocusTimeline,
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    RetryNow,
    MarkDnc,
    Close,
    NextField,
    PrevField,
    Submit,
    Cancel,
    Confirm,
    PauseAndQuit,
    KeepRunningAndQuit,
    /// The A/B table of the campaign and the trunks with the campaigns using them.
    Agents,
    /// Search the selected campaign's leads (every campaign's with none selected)
    /// through the engine; `/` on the queue and the timeline does the same. Opened
    /// with text by `Event::FindLead`.
    FindLead,
    /// The selected campaign's charts.
    Charts,
    NextChart,
    PrevChart,
    /// Opens the `:` command line.
    CommandLine,
    /// Completes the command being typed.
    Complete,
    /// Drops the filter kept on the main screen.
    ClearFilter,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::Quit,
        Action::Help,
        Action::Start,
        Action::Pause,
        Action::Resume,
        Action::Stop,
        Action::NewCampaign,
        Action::EditCampaign,
        Action::DeleteCampaign,
        Action::Import,
        Action::AddDnc,
        Action::HangUp,
        Action::Details,
        Action::Filter,
        Action::Follow,
        Action::FocusNext,
        Action::FocusPrev,
        Action::FocusCampaigns,
        Action::FocusSlots,
        Action::FocusQueue,
        Action::FocusTimeline,
        Action::Down,
        Action::Up,
        Action::Top,
        Action::Bottom,
        Action::PageDown,
        Action::PageUp,
        Action::RetryNow,
        Action::MarkDnc,
        Action::Close,
        Action::NextField,
        Action::PrevField,
        Action::Submit,
        Action::Cancel,
        Action::Confirm,
        Action::PauseAndQuit,
        Action::KeepRunningAndQuit,
        Action::Agents,
        Action::FindLead,
        Action::Charts,
        Action::NextChart,
        Action::PrevChart,
        Action::CommandLine,
        Action::Complete,
        Action::ClearFilter,
    ];

    /// The config spelling, e.g. `new_campaign`.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    pub fn from_name(name: &str) -> Option<Action> {
        serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
    }

    /// Where the action's key is listened for. A key may mean different actions in
    /// different modes, but only one per mode.
    pub fn modes(self) -> &'static [Mode] {
        use Action::*;
        match self {
            Quit | Help | Start | Pause | Resume | Stop | NewCampaign | EditCampaign
            | DeleteCampaign | Import | AddDnc | Details | Filter | Follow | FocusNext
            | FocusPrev | FocusCampaigns | FocusSlots | FocusQueue | FocusTimeline | Top
            | Bottom | PageDown | PageUp | Agents | FindLead | Charts | ClearFilter => {
                &[Mode::Normal]
            }
            NextChart | PrevChart => &[Mode::Charts],
            CommandLine => &[Mode::Normal, Mode::Charts],
            Complete => &[Mode::Command],
            HangUp => &[Mode::Normal, Mode::Detail],
            Down | Up => &[Mode::Normal, Mode::Detail, Mode::Help],
            RetryNow | MarkDnc => &[Mode::Detail],
            Close => &[Mode::Detail, Mode::Help, Mode::Agents, Mode::Charts],
            NextField | PrevField => &[Mode::Form, Mode::LeadFinder],
            Submit => &[Mode::Form, Mode::Filter, Mode::LeadFinder, Mode::Command],
            Cancel => &[
                Mode::Form,
                Mode::Confirm,
                Mode::QuitDialog,
                Mode::Filter,
                Mode::LeadFinder,
                Mode::Command,
            ],
            Confirm => &[Mode::Confirm],
            PauseAndQuit | KeepRunningAndQuit => &[Mode::QuitDialog],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_every_action_has_a_mode() {
        for action in Action::ALL {
            assert_eq!(Action::from_name(&action.name()), Some(*action));
            assert!(!action.modes().is_empty());
        }
        assert_eq!(Action::NewCampaign.name(), "new_campaign");
        assert_eq!(Action::from_name("launch"), None);
    }
}
