//! The words of the product: campaigns, leads, attempts and their events, with the
//! status machines of design.md as code. Nothing here does I/O.

mod attempt;
mod caller_id;
pub mod calling_hours;
mod campaign;
mod disposition_retry;
pub mod end_cause;
mod event;
pub mod figures;
mod ids;
mod lead;
pub mod lead_numbers;
pub mod local_presence;
pub mod number_health;
mod percentile;
mod room_name;
mod settings;
mod transition;
mod variant;
mod variant_stats;

pub use attempt::{AttemptState, Outcome, OPERATOR_HANG_UP};
pub use caller_id::{caller_id_problem, CallerIdError, CallerIdPool, TRUNK_NUMBER};
pub use campaign::{CampaignStatus, PauseReason};
pub use disposition_retry::{DispositionRetry, RetryAt};
pub use end_cause::SEEN_GONE_BY_POLLING;
pub use event::{clip_note, AttemptEventKind, Disposition, OptOutWords, MAX_NOTE_CHARS};
pub use ids::{AttemptId, CampaignId, LeadId};
pub use lead::{LeadNext, LeadState};
pub use percentile::nearest_rank;
pub use room_name::{room_name, room_nonce, DEFAULT_ROOM_PREFIX};
pub use settings::change::{self as setting_change, SettingChange};
pub use settings::table::{setting, Kind as SettingKind, Setting, SETTINGS};
pub use settings::{
    bounds, start_at_problem, Bound, CallingWindow, CampaignSettings, DispatchMode, Problem,
    SettingsError, Unit,
};
pub use transition::IllegalTransition;
pub use variant::{assign as assign_variant, Variant, VariantSpec};
pub use variant_stats::{
    compare as compare_variants, wilson, Interval, VariantCounts, VariantReport, VariantRow,
};
