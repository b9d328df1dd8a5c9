//! Colours, and what replaces them when colour is off (`NO_COLOR`, `[ui] no_color`):
//! every state that colour marks is also written out as text, so nothing is lost.

use crate::domain::{AttemptState, CampaignStatus, Outcome};
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Theme {
        Theme { color }
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.color) {
            (true, true) => Style::new().fg(Color::Cyan),
            (true, false) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => self.fg(Color::DarkGray),
        }
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }

    /// Slot colours: dialing yellow, ringing cyan, active (answered) green.
    pub fn call_state(&self, state: AttemptState) -> Style {
        match state {
            AttemptState::Queued => self.dim(),
            AttemptState::Dialing => self.fg(Color::Yellow),
            AttemptState::Ringing => self.fg(Color::Cyan),
            AttemptState::Answered => self.fg(Color::Green).add_modifier(Modifier::BOLD),
            AttemptState::Ended(outcome) => self.outcome(outcome),
        }
    }

    pub fn outcome(&self, outcome: Outcome) -> Style {
        match outcome {
            Outcome::Completed => self.ok(),
            Outcome::NoAnswer | Outcome::Busy | Outcome::Canceled | Outcome::NotPlaced => {
                self.warn()
            }
            _ => self.error(),
        }
    }

    pub fn campaign_status(&self, status: CampaignStatus) -> Style {
        match status {
            CampaignStatus::Running => self.ok().add_modifier(Modifier::BOLD),
            CampaignStatus::Paused => self.warn(),
            CampaignStatus::Draft => Style::new(),
            CampaignStatus::Completed => self.fg(Color::Blue),
            CampaignStatus::Stopped => self.dim(),
        }
    }

    pub fn gauge(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Green).bg(Color::Black)
        } else {
            Style::new()
        }
    }

    pub fn sparkline(&self) -> Style {
        self.fg(Color::Cyan)
    }

    /// The colour of the `i`th line or layer of a chart; every chart also names its
    /// series in a legend, so nothing rests on colour alone.
    pub fn series(&self, i: usize) -> Style {
        const PALETTE: [Color; 6] = [
            Color::Cyan,
            Color::Yellow,
            Color::Magenta,
            Color::Green,
            Color::Blue,
            Color::Red,
        ];
        self.fg(PALETTE[i % PALETTE.len()])
    }

    /// The kind column of a timeline row.
    pub fn event_kind(&self, kind: &str) -> Style {
        match kind {
            "answered" | "completed" => self.ok(),
            "dialing" | "ringing" | "queued" => self.fg(Color::Yellow),
            "problem" | "infrastructure_error" => self.error(),
            k if k.starts_with("campaign") => self.fg(Color::Blue).add_modifier(Modifier::BOLD),
            _ => Style::new(),
        }
    }
}
