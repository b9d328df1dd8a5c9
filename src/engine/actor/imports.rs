//! Imports, run by the engine: each job reads its rows on a blocking thread into the
//! store (the import is one write transaction), and the engine counts in what it added
//! when it is done, so the snapshot never shows leads the store does not have, and no
//! client writes leads beside the engine.

use super::*;
use crate::engine::{EngineError, ImportFailure, ImportJob};
use crate::import::{ImportError, ImportReport};

impl<T: Telephony> Actor<T> {
    /// Starts `job`; the reply goes out when its last row is in.
    pub(super) fn start_import(&mut self, job: ImportJob, reply: ReplyTx) {
        // A missing campaign is the import's to say, in its words.
        let campaign = job.campaign;
        let store = self.store.clone();
        let internal = self.internal_tx.clone();
        tokio::spawn(async move {
            let result = tokio::task::spawn_blocking(move || job.run(&store))
                .await
                .unwrap_or_else(|stopped| {
                    Err(ImportError::Read(std::io::Error::other(format!(
                        "the import stopped: {stopped}"
                    ))))
                });
            let _ = internal
                .send(Internal::Imported {
                    campaign,
                    result: result.map(Box::new),
                    reply,
                })
                .await;
        });
    }

    /// An import ended: what it added is counted in, and its report goes to the client.
    pub(super) fn import_ended(
        &mut self,
        campaign: CampaignId,
        result: Result<Box<ImportReport>, ImportError>,
        reply: ReplyTx,
    ) {
        let answer = match result {
            Ok(report) => {
                let pending = report.imported - report.dnc;
                let zones = report.zones.iter().cloned().collect();
                // Deleted meanwhile: there is nothing left to count the leads in.
                let _ = self.leads_imported(campaign, pending, report.dnc, zones);
                Ok(Reply::Imported(report))
            }
            Err(err) => Err(EngineError::Import {
                failure: ImportFailure::of(&err),
                message: err.to_string(),
            }),
        };
        let _ = reply.send(answer);
    }
}
