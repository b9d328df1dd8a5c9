//! The words of the product: campaigns, leads, attempts and their events, with the
//! status machines of design.md as code. Nothing here does I/O.

mod attempt;
mod campaign;
mod disposition_retry;
mod event;
pub mod figures;
mod ids;
mod lead;
mod settings;
mod transition;

pub use attempt::{AttemptState, Outcome, OPERATOR_HANG_UP};
pub use campaign::{CampaignStatus, PauseReason};
pub use disposition_retry::{DispositionRetry, RetryAt};
pub use event::{AttemptEventKind, Disposition, OptOutWords};
pub use ids::{AttemptId, CampaignId, LeadId};
pub use lead::{LeadNext, LeadState};
pub use settings::{
    bounds, caller_id_problem, start_at_problem, Bound, CallingWindow, CampaignSettings,
    DispatchMode, Problem, SettingsError, Unit,
};
pub use transition::IllegalTransition;
