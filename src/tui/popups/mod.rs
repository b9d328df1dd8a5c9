//! What opens over the panes: help, a lead's details, the lead finder, confirmations.

pub mod agents;
pub mod confirm;
pub mod detail;
pub mod help;
pub mod lead_finder;
pub mod quit;
