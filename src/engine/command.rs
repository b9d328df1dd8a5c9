use crate::domain::{AttemptId, CampaignId, CampaignSettings, LeadId};
use thiserror::Error;

/// What the engine can be asked to do. Each is answered once, with `Reply` or
/// `EngineError`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Command {
    CreateCampaign(Box<CampaignSettings>),
    /// Replaces the settings. While the campaign runs only what may change under it
    /// (pace, size, calling hours, caps, caller IDs, retries) is taken, from the next
    /// dial on; each change is kept and shown on the timeline with `changed_by`.
    UpdateCampaign {
        id: CampaignId,
        settings: Box<CampaignSettings>,
        /// Who asked, in words: `alice (command line)`, `the API`, `bob (console)`.
        #[serde(default)]
        changed_by: String,
    },
    Start(CampaignId),
    /// In-flight calls finish; no new ones start.
    Pause(CampaignId),
    Resume(CampaignId),
    /// Ends the campaign. `hang_up_live_calls` ends calls in flight at once; otherwise
    /// they are left to finish.
    Stop {
        id: CampaignId,
        hang_up_live_calls: bool,
    },
    /// Deletes the campaign with its leads, calls and events. Refused while it runs or
    /// has calls in flight: stop it first.
    DeleteCampaign(CampaignId),
    /// Re-reads the campaign's lead counts, outcomes and queue from the store (after a
    /// repair of the database by hand; every change made through the engine is counted
    /// as it is made).
    RefreshCampaign(CampaignId),
    /// Imports leads into a campaign: the engine runs the job as its own task on its
    /// store, counts in what it added and answers `Imported` when the last row is in.
    /// Built in the engine's process (it holds a reader), so never sent over the wire:
    /// remote clients import through `/engine/import-file` or the API's uploads.
    #[serde(skip)]
    ImportLeads(super::ImportJob),
    /// The operator ends one call.
    HangUp(AttemptId),
    /// The agent's disposition, reported by HTTP rather than by its participant
    /// attribute: handed to the call if it is still live (or awaiting its report), else
    /// recorded on the attempt.
    ReportDisposition {
        attempt: AttemptId,
        value: String,
        note: Option<String>,
        /// When the callee asked to be called back (RFC 3339), for a retry rule.
        callback_at: Option<String>,
    },
    /// Puts the lead at the front of its queue, whatever ended it.
    RetryNow(LeadId),
    /// Adds a number to the do-not-call list (a campaign's, or every campaign's when
    /// `campaign` is `None`); leads with that number are never dialled again.
    MarkDnc {
        phone: String,
        campaign: Option<CampaignId>,
        reason: Option<String>,
    },
    /// Adds many numbers (E.164) to one do-not-call list in one write, as `MarkDnc`
    /// does for one: `switchboard dnc add|import` while an engine runs.
    AddDnc {
        phones: Vec<String>,
        campaign: Option<CampaignId>,
        reason: Option<String>,
    },
    /// Takes a number off one list. Leads already marked `dnc` stay so.
    RemoveDnc {
        phone: String,
        campaign: Option<CampaignId>,
    },
    /// Ends the engine: running campaigns pause with reason `shutdown` (they resume at
    /// the next start), no call starts, and calls in flight get `grace` to finish; any
    /// still live after that are reconciled at the next start, never hung up.
    Shutdown {
        grace: std::time::Duration,
    },
    /// The LiveKit project's outbound trunks (every page) and the campaigns that dial
    /// through each, for the console.
    ListTrunks,
}

/// The engine's answer to a command: "done", {"created": id}, {"deleted": id}, ...
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Reply {
    Created(CampaignId),
    Deleted(CampaignId),
    Done,
    /// Start or resume of a campaign already running here: nothing to do (an engine
    /// started for the command resumes what it found running when it stopped).
    AlreadyRunning,
    /// Numbers newly on the list, and leads that became `dnc` with them.
    DncAdded {
        added: u64,
        marked: u64,
    },
    /// Whether the number was on the list.
    DncRemoved(bool),
    Trunks(Vec<TrunkUse>),
    /// What an import added, rejected and skipped.
    Imported(Box<crate::import::ImportReport>),
}

/// One outbound trunk and the campaigns set to dial through it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrunkUse {
    pub id: String,
    pub name: String,
    pub address: String,
    pub numbers: Vec<String>,
    /// Campaigns (id, name) whose trunk this is.
    pub campaigns: Vec<(CampaignId, String)>,
}

/// Why a command was refused or failed, in words an operator can act on.
#[derive(
    Debug, Clone, PartialEq, Eq, Error, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum EngineError {
    #[error("{0}")]
    Refused(String),
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{problem}: {fix}")]
    Configuration { problem: String, fix: String },
    #[error("database: {0}")]
    Store(String),
    /// An import that could not run: the campaign is missing, the file is unreadable
    /// or not CSV, or the database refused the rows (nothing was written).
    #[error("{message}")]
    Import {
        failure: super::ImportFailure,
        message: String,
    },
    #[error("the engine is busy; try again")]
    Busy,
    #[error("the engine has stopped")]
    Stopped,
}

impl From<crate::store::StoreError> for EngineError {
    fn from(err: crate::store::StoreError) -> Self {
        match err {
            crate::store::StoreError::NotFound(what) => EngineError::NotFound { what },
            crate::store::StoreError::Rejected(why) => EngineError::Refused(why),
            other => EngineError::Store(other.to_string()),
        }
    }
}
