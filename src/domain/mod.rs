//! The words of the product: campaigns, leads, attempts and their events, with the
//! status machines of design.md as code. Nothing here does I/O.

mod attempt;
mod campaign;
mod event;
pub mod figures;
mod ids;
mod lead;
mod settings;
mod transition;

pub use attempt::{AttemptState, Outcome};
pub use campaign::{CampaignStatus, PauseReason};
pub use event::{AttemptEventKind, Disposition};
pub use ids::{AttemptId, CampaignId, LeadId};
pub use lead::LeadState;
pub use settings::{
    bounds, caller_id_problem, start_at_problem, Bound, CallingWindow, CampaignSettings,
    DispatchMode, Problem, SettingsError, Unit,
};
pub use transition::IllegalTransition;
