//! The lead finder: typing asks the engine for the campaign's leads that match
//! (debounced in `effects.rs`), going down past the last row asks the next page, enter
//! opens the lead's history (closing it comes back here), esc closes.

use super::App;
use crate::engine::EngineError;
use crate::store::lead_search::LeadPage;
use crate::tui::action::Action;
use crate::tui::effects::Ask;
use crate::tui::popups::lead_finder::LeadFinder;
use crate::tui::view::{DetailState, Overlay};
use crossterm::event::KeyEvent;
use tui_input::backend::crossterm::EventHandler;

impl App {
    /// Opens the finder over the selected campaign (every campaign with none), with
    /// `text` already typed, and asks for the first page at once.
    pub(super) fn open_lead_finder(&mut self, text: Option<String>) {
        let (campaign, name) = match self.view.campaign() {
            Some(c) => (Some(c.id), Some(c.name.clone())),
            None => (None, None),
        };
        let finder = LeadFinder::new(campaign, name, text.as_deref().unwrap_or(""));
        self.view.overlay = Some(Overlay::LeadFinder(Box::new(finder)));
        self.search_leads(false);
    }

    fn finder(&mut self) -> Option<&mut LeadFinder> {
        match &mut self.view.overlay {
            Some(Overlay::LeadFinder(finder)) => Some(finder),
            _ => None,
        }
    }

    /// Asks for the first page of the text as it is now.
    fn search_leads(&mut self, debounce: bool) {
        let Some(finder) = self.finder() else { return };
        finder.request += 1;
        finder.searching = true;
        finder.appending = false;
        let ask = Ask::LeadSearch {
            request: finder.request,
            campaign: finder.campaign,
            text: finder.text(),
            after: None,
            debounce,
        };
        self.ask(ask);
    }

    /// Asks for the page after the rows shown, unless a search is on its way.
    fn more_leads(&mut self) {
        let Some(finder) = self.finder() else { return };
        let Some(after) = finder.next.filter(|_| !finder.searching) else {
            return;
        };
        finder.request += 1;
        finder.searching = true;
        finder.appending = true;
        let ask = Ask::LeadSearch {
            request: finder.request,
            campaign: finder.campaign,
            text: finder.text(),
            after: Some(after),
            debounce: false,
        };
        self.ask(ask);
    }

    pub(super) fn lead_finder_action(&mut self, action: Action) -> bool {
        let Some(finder) = self.finder() else {
            return false;
        };
        match action {
            Action::Cancel => self.view.overlay = None,
            Action::NextField => {
                if finder.selected + 1 < finder.rows.len() {
                    finder.selected += 1;
                }
                // Nearing the end of what came: the next page, before it is reached.
                if finder.selected + 5 >= finder.rows.len() {
                    self.more_leads();
                }
            }
            Action::PrevField => finder.selected = finder.selected.saturating_sub(1),
            Action::Submit => {
                let Some(row) = finder.selected_row() else {
                    return false;
                };
                let (lead, campaign) = (row.lead, row.campaign);
                let Some(Overlay::LeadFinder(finder)) = self.view.overlay.take() else {
                    return false;
                };
                self.view.overlay = Some(Overlay::Detail(Box::new(DetailState {
                    lead,
                    attempt: None,
                    campaign: Some(campaign),
                    history: None,
                    scroll: 0,
                    finder: Some(finder),
                })));
                self.load_detail(lead);
            }
            _ => return false,
        }
        true
    }

    /// A key the keymap does not take: typing. A changed text searches again.
    pub(super) fn edit_lead_finder(&mut self, key: KeyEvent) -> bool {
        let Some(finder) = self.finder() else {
            return false;
        };
        let before = finder.input.value().to_owned();
        finder
            .input
            .handle_event(&crossterm::event::Event::Key(key));
        if finder.input.value() != before {
            self.search_leads(true);
        }
        true
    }

    pub(super) fn paste_into_lead_finder(&mut self, text: &str) -> bool {
        let Some(finder) = self.finder() else {
            return false;
        };
        let value = format!(
            "{}{}",
            finder.input.value(),
            text.trim_end_matches(['\r', '\n'])
        );
        finder.input = tui_input::Input::new(value);
        self.search_leads(true);
        true
    }

    pub(super) fn on_lead_page(
        &mut self,
        request: u64,
        result: Result<LeadPage, EngineError>,
    ) -> bool {
        let Some(finder) = self.finder() else {
            return false;
        };
        if request != finder.request {
            return false;
        }
        finder.searching = false;
        match result {
            Ok(page) => {
                finder.error = None;
                if !finder.appending {
                    finder.rows.clear();
                    finder.selected = 0;
                }
                finder.rows.extend(page.rows);
                finder.next = page.next;
            }
            Err(e) => finder.error = Some(e.to_string()),
        }
        true
    }
}
