//! Actions while a form is open (new or edited campaign, import, DNC): moving between
//! fields, submitting, cancelling; other keys type into the focused field.

use super::App;
use crate::tui::action::Action;
use crate::tui::effects::Effect;
use crate::tui::forms::import::{ImportStage, ImportStep};
use crate::tui::forms::Form;
use crate::tui::view::Overlay;
use crossterm::event::KeyEvent;

impl App {
    pub(super) fn form_action(&mut self, action: Action) -> bool {
        let Some(Overlay::Form(form)) = &mut self.view.overlay else {
            return false;
        };
        match action {
            Action::NextField => form.focus_by(1),
            Action::PrevField => form.focus_by(-1),
            Action::Cancel => self.view.overlay = None,
            Action::Submit => match form.as_mut() {
                Form::Campaign(f) => {
                    if let Some((what, command)) = f.command() {
                        self.view.overlay = None;
                        self.send(what, command);
                    }
                }
                Form::Dnc(f) => {
                    if let Some((what, command)) = f.command() {
                        self.view.overlay = None;
                        self.send(what, command);
                    }
                }
                Form::Import(f) => match f.stage {
                    ImportStage::Done(_) => {
                        self.view.overlay = None;
                        let load = self.view.queue.reset(self.view.selected_campaign);
                        self.load_queue(load);
                    }
                    ImportStage::Running => {}
                    ImportStage::Editing => match f.next_step() {
                        ImportStep::Nothing => {}
                        ImportStep::Preview(path) => {
                            self.effects.push(Effect::PreviewImport { path })
                        }
                        ImportStep::Import(request) => self.effects.push(Effect::Import {
                            campaign: request.campaign,
                            path: request.path,
                            region: request.region,
                        }),
                    },
                },
            },
            _ => return false,
        }
        true
    }

    /// A key that is no form action types into the focused field.
    pub(super) fn edit_form(&mut self, key: KeyEvent) -> bool {
        if let Some(Overlay::Form(form)) = &mut self.view.overlay {
            form.edit(key);
        }
        true
    }
}
