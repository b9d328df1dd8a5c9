//! What works now: one answer, read by the hint bar, the popups' hint lines and the key
//! handlers alike (gitui's `commands()`), so what the bar shows is what a key does.
//! `App` asks `check` before it runs an action: an action that does not work here is
//! either refused with a reason on the status line or ignored.

use super::action::{Action, Mode};
use super::forms::import::ImportStage;
use super::forms::Form;
use super::strings;
use super::view::{Overlay, Pane, View};
use crate::domain::CampaignStatus;

/// Whether an action works now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Works,
    /// Not now, and the operator is told why (a key pressed on the wrong campaign).
    Refused(String),
    /// Not here: the key does nothing.
    NotHere,
}

/// The actions that work now, in the order the bar shows them; the quiet ones last.
pub fn available(view: &View) -> Vec<Action> {
    order(view.mode())
        .iter()
        .copied()
        .filter(|a| check(view, *a) == Verdict::Works)
        .collect()
}

/// What the hint bar shows: everything that works now except the quiet actions.
pub fn hinted(view: &View) -> Vec<Action> {
    available(view)
        .into_iter()
        .filter(|a| !quiet(view, *a))
        .collect()
}

/// Works but stays out of the bar on purpose: moving around the main screen (focus,
/// rows, pages; `enter` on a campaign goes to its calls) and the `:` line, which only
/// repeats the keys in words, are listed under `?` and would crowd out the actions that
/// change something.
pub fn quiet(view: &View, action: Action) -> bool {
    use Action::*;
    view.mode() == Mode::Normal
        && (matches!(
            action,
            FocusPrev
                | FocusCampaigns
                | FocusSlots
                | FocusQueue
                | FocusTimeline
                | Down
                | Up
                | Top
                | Bottom
                | PageDown
                | PageUp
                | FindLead
                | CommandLine
        ) || action == Details && view.focus == Pane::Campaigns)
}

/// Every action a mode listens for, in bar order.
fn order(mode: Mode) -> &'static [Action] {
    use Action::*;
    match mode {
        Mode::Normal => &[
            Start,
            Pause,
            Resume,
            Stop,
            HangUp,
            Details,
            Follow,
            NewCampaign,
            EditCampaign,
            Import,
            DeleteCampaign,
            AddDnc,
            Filter,
            ClearFilter,
            Agents,
            FindLead,
            Charts,
            CommandLine,
            FocusNext,
            Help,
            Quit,
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
        ],
        Mode::Detail => &[HangUp, RetryNow, MarkDnc, Down, Up, Close],
        Mode::Help => &[Down, Up, Close],
        Mode::Agents => &[Close],
        Mode::Form => &[Submit, NextField, PrevField, Cancel],
        Mode::Confirm => &[Confirm, Cancel],
        Mode::QuitDialog => &[PauseAndQuit, KeepRunningAndQuit, Cancel],
        Mode::Filter => &[Submit, Cancel],
        Mode::LeadFinder => &[Submit, NextField, PrevField, Cancel],
        Mode::Charts => &[NextChart, PrevChart, CommandLine, Close],
        Mode::Command => &[Submit, Complete, Cancel],
    }
}

/// Whether `action` works in the state `view` shows.
pub fn check(view: &View, action: Action) -> Verdict {
    let mode = view.mode();
    if !order(mode).contains(&action) {
        return Verdict::NotHere;
    }
    match mode {
        Mode::Normal => on_main_screen(view, action),
        Mode::Detail => in_detail(view, action),
        Mode::Form => in_form(view, action),
        Mode::LeadFinder => in_lead_finder(view, action),
        Mode::Help
        | Mode::Agents
        | Mode::Confirm
        | Mode::QuitDialog
        | Mode::Filter
        | Mode::Charts
        | Mode::Command => Verdict::Works,
    }
}

fn on_main_screen(view: &View, action: Action) -> Verdict {
    use Action::*;
    let changes_something = matches!(
        action,
        Start
            | Pause
            | Resume
            | Stop
            | HangUp
            | NewCampaign
            | EditCampaign
            | Import
            | DeleteCampaign
            | AddDnc
    );
    if changes_something && view.engine_gone() {
        return Verdict::Refused(strings::ENGINE_GONE_REFUSED.into());
    }
    let campaign = view.campaign();
    let status = campaign.map(|c| c.status);
    // Actions on the selected campaign, by its status.
    let for_status = |works: bool| match status {
        None => Verdict::Refused(strings::NOTHING_SELECTED.into()),
        Some(_) if works => Verdict::Works,
        Some(status) => Verdict::Refused(strings::not_for_status(
            strings::action_label(action),
            status.as_str(),
        )),
    };
    match action {
        Start => for_status(status == Some(CampaignStatus::Draft)),
        Pause => for_status(status == Some(CampaignStatus::Running)),
        Resume => for_status(status == Some(CampaignStatus::Paused)),
        Stop => for_status(matches!(
            status,
            Some(CampaignStatus::Running | CampaignStatus::Paused)
        )),
        // A running campaign's pace, size, hours, caps and numbers change under it.
        EditCampaign => for_status(status.is_some()),
        Import => for_status(status.is_some_and(CampaignStatus::is_editable)),
        Charts => for_status(true),
        DeleteCampaign if view.focus != Pane::Campaigns => Verdict::NotHere,
        DeleteCampaign => match campaign {
            Some(c) if c.status == CampaignStatus::Running => {
                Verdict::Refused(strings::delete_running(&c.name))
            }
            _ => for_status(true),
        },
        HangUp if view.focus == Pane::Slots && view.selected_slot().is_some() => Verdict::Works,
        HangUp => Verdict::Refused(strings::NO_CALL_SELECTED.into()),
        Details => {
            let selected = match view.focus {
                Pane::Campaigns => true,
                Pane::Slots => view.selected_slot().is_some(),
                Pane::Queue => view.queue.selected_row().is_some(),
                Pane::Timeline => view.timeline.selected().is_some_and(|e| e.lead.is_some()),
            };
            if selected {
                Verdict::Works
            } else {
                Verdict::Refused(strings::NOTHING_TO_SHOW.into())
            }
        }
        ClearFilter if view.filter.text().is_some() || view.queue.filter.is_some() => {
            Verdict::Works
        }
        ClearFilter => Verdict::NotHere,
        Follow if view.focus == Pane::Timeline && !view.timeline.follow => Verdict::Works,
        Follow => Verdict::NotHere,
        _ => Verdict::Works,
    }
}

fn in_detail(view: &View, action: Action) -> Verdict {
    let Some(Overlay::Detail(detail)) = &view.overlay else {
        return Verdict::NotHere;
    };
    match action {
        // Ending the call works only while the call it was opened from is live.
        Action::HangUp => {
            let live = detail.attempt.is_some_and(|attempt| {
                view.snapshot
                    .campaigns
                    .iter()
                    .any(|c| c.slots.iter().any(|s| s.attempt == attempt))
            });
            if live {
                Verdict::Works
            } else {
                Verdict::Refused(strings::NO_CALL_SELECTED.into())
            }
        }
        // The number to mark comes from the lead's history.
        Action::MarkDnc if !matches!(detail.history, Some(Ok(_))) => Verdict::NotHere,
        _ => Verdict::Works,
    }
}

fn in_lead_finder(view: &View, action: Action) -> Verdict {
    let Some(Overlay::LeadFinder(finder)) = &view.overlay else {
        return Verdict::NotHere;
    };
    let rows = finder.rows.len();
    match action {
        Action::Submit if rows == 0 => Verdict::NotHere,
        Action::NextField if finder.selected + 1 >= rows && finder.next.is_none() => {
            Verdict::NotHere
        }
        Action::PrevField if finder.selected == 0 => Verdict::NotHere,
        _ => Verdict::Works,
    }
}

fn in_form(view: &View, action: Action) -> Verdict {
    let Some(Overlay::Form(form)) = &view.overlay else {
        return Verdict::NotHere;
    };
    match (form.as_ref(), action) {
        (_, Action::Cancel) => Verdict::Works,
        // Once an import is under way its fields are fixed; enter closes the report.
        (Form::Import(import), _) => match (&import.stage, action) {
            (ImportStage::Editing, _) | (ImportStage::Done(_), Action::Submit) => Verdict::Works,
            _ => Verdict::NotHere,
        },
        _ => Verdict::Works,
    }
}
