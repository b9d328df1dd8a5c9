//! Actions while a popup is open: a lead's detail, help, the agents table, a
//! confirmation, the quit question.

use super::App;
use crate::domain::CampaignStatus;
use crate::engine::Command;
use crate::tui::action::Action;
use crate::tui::effects::Effect;
use crate::tui::strings;
use crate::tui::view::{Overlay, PendingCommand};

impl App {
    pub(super) fn detail_action(&mut self, action: Action) -> bool {
        let Some(Overlay::Detail(detail)) = &mut self.view.overlay else {
            return false;
        };
        match action {
            Action::Down => detail.scroll = detail.scroll.saturating_add(1),
            Action::Up => detail.scroll = detail.scroll.saturating_sub(1),
            // Back to the lead finder it was opened from, as it was.
            Action::Close => {
                self.view.overlay = detail.finder.take().map(Overlay::LeadFinder);
            }
            Action::HangUp => {
                let live = detail.attempt.filter(|a| {
                    self.view
                        .snapshot
                        .campaigns
                        .iter()
                        .any(|c| c.slots.iter().any(|s| s.attempt == *a))
                });
                if let Some(attempt) = live {
                    let who = match &detail.history {
                        Some(Ok(history)) => history.lead.phone.clone(),
                        _ => attempt.label(),
                    };
                    let pending = PendingCommand {
                        what: strings::end_call_to(&who),
                        command: Command::HangUp(attempt),
                    };
                    self.view.overlay = Some(Overlay::Confirm {
                        question: strings::confirm_hang_up(&who),
                        pending,
                    });
                }
            }
            Action::RetryNow => {
                let lead = detail.lead;
                self.send(strings::retry_now(&lead.label()), Command::RetryNow(lead));
            }
            Action::MarkDnc => {
                let phone = match &detail.history {
                    Some(Ok(history)) => history.lead.phone.clone(),
                    _ => return false,
                };
                let campaign = detail.campaign;
                let pending = PendingCommand {
                    what: strings::mark_dnc(&phone),
                    command: Command::MarkDnc {
                        phone: phone.clone(),
                        campaign,
                        reason: Some(strings::DNC_REASON_CONSOLE.into()),
                    },
                };
                self.view.overlay = Some(Overlay::Confirm {
                    question: strings::confirm_dnc(&phone),
                    pending,
                });
            }
            _ => return false,
        }
        true
    }

    pub(super) fn help_action(&mut self, action: Action) -> bool {
        let last = crate::tui::popups::help::lines(&self.view)
            .len()
            .saturating_sub(1) as u16;
        if let Some(Overlay::Help { scroll }) = &mut self.view.overlay {
            match action {
                Action::Down => *scroll = scroll.saturating_add(1).min(last),
                Action::Up => *scroll = scroll.saturating_sub(1),
                _ => self.view.overlay = None,
            }
        }
        true
    }

    pub(super) fn agents_action(&mut self, action: Action) -> bool {
        if action == Action::Close {
            self.view.overlay = None;
        }
        true
    }

    /// Yes sends the command waiting for it; anything else drops it.
    pub(super) fn confirm_action(&mut self, action: Action) -> bool {
        match self.view.overlay.take() {
            Some(Overlay::Confirm { pending, .. }) if action == Action::Confirm => {
                self.send(pending.what, pending.command);
            }
            Some(Overlay::EngineGone) if action == Action::Confirm => {
                self.set_status(strings::ENGINE_STARTING.into(), false);
                self.effects.push(Effect::StartEngine);
            }
            _ => {}
        }
        true
    }

    /// Quitting while campaigns run: pause them first, leave them running, or stay.
    pub(super) fn quit_dialog_action(&mut self, action: Action) -> bool {
        match action {
            Action::PauseAndQuit => {
                let running = self
                    .view
                    .snapshot
                    .campaigns
                    .iter()
                    .filter(|c| c.status == CampaignStatus::Running)
                    .map(|c| c.id)
                    .collect();
                self.effects.push(Effect::PauseAllAndQuit(running));
            }
            Action::KeepRunningAndQuit => self.effects.push(Effect::Quit),
            _ => self.view.overlay = None,
        }
        true
    }
}
