//! The charts view: opening it asks for the selected campaign's series, an open view
//! asks again every `charts::REFRESH` (on the tick), and ←/→ move between the charts.

use super::App;
use crate::domain::CampaignId;
use crate::engine::EngineError;
use crate::store::chart_series::ChartSeries;
use crate::tui::action::Action;
use crate::tui::charts::ChartsState;
use crate::tui::effects::Ask;
use crate::tui::view::Overlay;
use std::time::Instant;

impl App {
    /// Opens the view on the selected campaign (`available` let it through).
    pub(super) fn open_charts(&mut self) {
        let Some(c) = self.view.campaign() else {
            return;
        };
        let state = ChartsState::new(c.id, c.name.clone());
        self.view.overlay = Some(Overlay::Charts(Box::new(state)));
        self.refresh_charts(Instant::now());
    }

    pub(super) fn charts_action(&mut self, action: Action) -> bool {
        let Some(Overlay::Charts(state)) = &mut self.view.overlay else {
            return false;
        };
        match action {
            Action::NextChart => state.next(),
            Action::PrevChart => state.prev(),
            Action::Close => self.view.overlay = None,
            Action::CommandLine => self.open_command_line(),
            _ => return false,
        }
        true
    }

    /// Asks for a fresh series when the open view is due one.
    pub(super) fn refresh_charts(&mut self, now: Instant) {
        let Some(Overlay::Charts(state)) = &mut self.view.overlay else {
            return;
        };
        if state.refresh_due(now) {
            state.asking(now);
            let campaign = state.campaign;
            self.ask(Ask::Charts { campaign });
        }
    }

    pub(super) fn on_charts(
        &mut self,
        campaign: CampaignId,
        result: Result<Box<ChartSeries>, EngineError>,
    ) -> bool {
        match &mut self.view.overlay {
            Some(Overlay::Charts(state)) if state.campaign == campaign => {
                state.apply(result.map_err(|e| e.to_string()), Instant::now());
                true
            }
            _ => false,
        }
    }
}
