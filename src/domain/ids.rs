//! Typed row ids, so a lead id can never be passed where an attempt id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! row_id {
    ($name:ident, $prefix:literal) => {
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            Serialize,
            Deserialize,
            utoipa::ToSchema,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl $name {
            /// Short human label used in logs and the timeline, e.g. `a42`.
            pub fn label(self) -> String {
                format!(concat!($prefix, "{}"), self.0)
            }
        }
    };
}

row_id!(CampaignId, "c");
row_id!(LeadId, "l");
row_id!(AttemptId, "a");
