//! Every figure the product shows about calls and campaigns, defined once. The engine's
//! snapshot, `status`, export, the API and the console all compute them here, from the
//! attempts' real timestamps and the leads' states; nothing else has a formula of its own.

mod answer_rate;
mod call_times;
mod calls_per_minute;
mod eta;
mod histogram;
mod lead_counts;
mod next_due;
mod progress;

pub use answer_rate::AnswerRate;
pub use call_times::{CallClock, CallDurations, CallTimes, CountedTimes};
pub use calls_per_minute::{DialRate, DIAL_RATE_MINUTES};
pub use eta::{eta, ETA_MIN_DIALS, ETA_MIN_SPAN, ETA_SMOOTHING};
pub use histogram::Histogram;
pub use lead_counts::LeadCounts;
pub use next_due::{Due, NextDue};
pub use progress::Progress;
