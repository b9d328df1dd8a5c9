//! Phone numbers: normalising what people type into E.164 (`normalize.rs`), guessing
//! the callee's time zone from the number (`timezone.rs`, with the North American area
//! code table in `nanp_area_codes.rs`), so calling hours hold in the lead's own time,
//! and where a number is (`locality.rs`) for local presence.

mod locality;
mod nanp_area_codes;
mod normalize;
mod timezone;

pub use locality::{locality, nanp_area_code, Locality};
pub use normalize::{parse_region, PhoneError, PhoneNormalizer, RegionError};
pub use timezone::infer_timezone;
