//! One file per pane; each `draw` reads the `View` and nothing else.

pub mod caller_ids;
pub mod campaigns;
pub mod footer;
pub mod header;
pub mod queue;
pub mod slots;
pub mod timeline;
