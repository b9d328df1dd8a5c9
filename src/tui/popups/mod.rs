//! What opens over the panes: help, a lead's details, confirmations.

pub mod agents;
pub mod confirm;
pub mod detail;
pub mod help;
pub mod quit;
