//! The main screen: what each action does when nothing is open on top of it.

use super::selection::PAGE_STEP;
use super::App;
use crate::domain::{CampaignSettings, CampaignStatus};
use crate::engine::Command;
use crate::tui::action::Action;
use crate::tui::effects::{Ask, Effect};
use crate::tui::forms::campaign::CampaignForm;
use crate::tui::forms::dnc::DncForm;
use crate::tui::forms::import::ImportForm;
use crate::tui::forms::Form;
use crate::tui::strings;
use crate::tui::view::{AgentsState, DetailState, Overlay, Pane, PendingCommand};

impl App {
    /// Runs an action `available::check` let through.
    pub(super) fn normal_action(&mut self, action: Action) -> bool {
        match action {
            Action::Quit => {
                let running = self
                    .view
                    .snapshot
                    .campaigns
                    .iter()
                    .any(|c| c.status == CampaignStatus::Running);
                if running {
                    self.view.overlay = Some(Overlay::Quit);
                } else {
                    self.effects.push(Effect::Quit);
                }
            }
            Action::Help => self.view.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::Start | Action::Pause | Action::Resume | Action::Stop => {
                let Some(c) = self.view.campaign() else {
                    return false;
                };
                let (id, name, live, uncalled) =
                    (c.id, c.name.clone(), c.slots.len(), c.leads.pending);
                let what = format!("{} \"{name}\"", strings::action_label(action));
                match action {
                    Action::Start => self.send(what, Command::Start(id)),
                    Action::Pause => self.send(what, Command::Pause(id)),
                    Action::Resume => self.send(what, Command::Resume(id)),
                    _ => {
                        let command = Command::Stop {
                            id,
                            hang_up_live_calls: true,
                        };
                        let pending = PendingCommand { what, command };
                        let question = strings::confirm_stop(&name, live, uncalled);
                        self.view.overlay = Some(Overlay::Confirm { question, pending });
                    }
                }
            }
            Action::DeleteCampaign => {
                let Some(c) = self.view.campaign() else {
                    return false;
                };
                let pending = PendingCommand {
                    what: format!("{} \"{}\"", strings::action_label(action), c.name),
                    command: Command::DeleteCampaign(c.id),
                };
                let question = strings::confirm_delete(&c.name, c.leads.total());
                self.view.overlay = Some(Overlay::Confirm { question, pending });
            }
            Action::NewCampaign => {
                // Agent and trunk are usually the same across campaigns: start from the selected one's.
                let mut settings = CampaignSettings::default();
                if let Some(c) = self.view.campaign() {
                    settings.agent_name = c.agent_name.clone();
                    settings.trunk_id = c.trunk_id.clone();
                }
                let form = CampaignForm::new(None, settings);
                self.view.overlay = Some(Overlay::Form(Box::new(Form::Campaign(form))));
            }
            Action::EditCampaign => {
                if let Some(campaign) = self.view.selected_campaign {
                    self.ask(Ask::Campaign { campaign });
                }
            }
            Action::Import => {
                let Some(c) = self.view.campaign() else {
                    return false;
                };
                let form = ImportForm::new(c.id, c.name.clone(), &self.settings.default_region);
                self.view.overlay = Some(Overlay::Form(Box::new(Form::Import(form))));
            }
            Action::AddDnc => {
                let phone = match self.view.focus {
                    Pane::Slots => self.view.selected_slot().map(|s| s.phone.clone()),
                    Pane::Queue => self.view.queue.selected_row().map(|r| r.phone.clone()),
                    _ => None,
                };
                let form = DncForm::new(
                    self.view.selected_campaign,
                    phone.as_deref().unwrap_or(""),
                    &self.settings.default_region,
                );
                self.view.overlay = Some(Overlay::Form(Box::new(Form::Dnc(form))));
            }
            Action::HangUp => {
                let Some(slot) = self.view.selected_slot() else {
                    return false;
                };
                let who = slot.lead_name.as_deref().unwrap_or(&slot.phone);
                let question = strings::confirm_hang_up(who);
                let pending = PendingCommand {
                    what: strings::end_call_to(who),
                    command: Command::HangUp(slot.attempt),
                };
                self.view.overlay = Some(Overlay::Confirm { question, pending });
            }
            Action::Details => self.open_details(),
            Action::Agents => self.open_agents(),
            // The queue and the timeline hold a window of the campaign: `/` there
            // searches all of it through the engine instead of the rows on screen.
            Action::Filter if matches!(self.view.focus, Pane::Queue | Pane::Timeline) => {
                self.open_lead_finder(None)
            }
            Action::Filter => self.view.filter.editing = true,
            Action::FindLead => self.open_lead_finder(None),
            Action::Charts => self.open_charts(),
            Action::CommandLine => self.open_command_line(),
            Action::ClearFilter => self.clear_filter(),
            Action::Follow => {
                let load = self.view.timeline.bottom();
                self.load_timeline(load);
            }
            Action::FocusNext => self.view.focus = self.view.focus.next(),
            Action::FocusPrev => self.view.focus = self.view.focus.prev(),
            Action::FocusCampaigns => self.view.focus = Pane::Campaigns,
            Action::FocusSlots => self.view.focus = Pane::Slots,
            Action::FocusQueue => self.view.focus = Pane::Queue,
            Action::FocusTimeline => self.view.focus = Pane::Timeline,
            Action::Down => self.move_selection(1),
            Action::Up => self.move_selection(-1),
            Action::PageDown => self.move_selection(PAGE_STEP),
            Action::PageUp => self.move_selection(-PAGE_STEP),
            Action::Top => self.jump(true),
            Action::Bottom => self.jump(false),
            _ => return false,
        }
        true
    }

    fn open_details(&mut self) {
        let target = match self.view.focus {
            Pane::Slots => self.view.selected_slot().map(|s| (s.lead, Some(s.attempt))),
            Pane::Queue => self.view.queue.selected_row().map(|r| (r.lead, None)),
            Pane::Timeline => self
                .view
                .timeline
                .selected()
                .and_then(|e| e.lead.map(|l| (l, e.attempt))),
            Pane::Campaigns => {
                self.view.focus = Pane::Slots;
                return;
            }
        };
        let Some((lead, attempt)) = target else {
            return;
        };
        self.view.overlay = Some(Overlay::Detail(Box::new(DetailState {
            lead,
            attempt,
            campaign: self.view.selected_campaign,
            history: None,
            scroll: 0,
            finder: None,
        })));
        self.load_detail(lead);
    }

    /// Opens the agents popup and asks the engine for its two parts.
    fn open_agents(&mut self) {
        let campaign = self.view.selected_campaign;
        self.view.overlay = Some(Overlay::Agents(Box::new(AgentsState {
            campaign,
            variants: None,
            trunks: None,
        })));
        if let Some(campaign) = campaign {
            self.ask(Ask::Variants { campaign });
        }
        self.ask(Ask::Trunks);
    }
}
