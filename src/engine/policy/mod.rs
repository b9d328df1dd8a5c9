//! The engine's decisions, as pure functions with table tests: what a lead becomes after
//! an attempt (`lead_fate`), what a call's end means (`call_end`), which automatic pause or resume applies to a campaign now
//! (`automatic_status`), and when the engine must look again (`wake`). The actor and the
//! call tasks gather the facts and call these; the store only writes their answers.

pub mod automatic_status;
pub mod call_end;
pub mod lead_fate;
pub mod wake;
