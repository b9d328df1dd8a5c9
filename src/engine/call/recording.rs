//! Recording an answered call, for campaigns with `record`: a LiveKit egress of the
//! room, started at the answer. It never fails the call: a failed start is written on
//! the attempt and in its timeline, and the call goes on.

use super::*;
use crate::domain::AttemptEventKind;
use crate::store::attempts;
use crate::telephony::Telephony;

impl<T: Telephony> CallContext<T> {
    pub(super) async fn record(&self, call: &Call) {
        let output = self.recording.for_call(&call.room, self.clock.now());
        let result = self.telephony.start_recording(&call.room, &output).await;
        let (egress, location, error) = match result {
            Ok(started) => (Some(started.egress_id), Some(started.location), None),
            Err(err) => {
                tracing::warn!(room = %call.room, %err, "recording did not start; the call goes on");
                (None, None, Some(err.to_string()))
            }
        };
        let detail = match (&location, &error) {
            (Some(location), _) => format!("recording to {location}"),
            (_, Some(error)) => format!("recording failed to start: {error}"),
            _ => String::new(),
        };
        let (store, attempt) = (self.store.clone(), call.attempt);
        let _ = store
            .write(move |conn| {
                attempts::set_recording(
                    conn,
                    attempt,
                    egress.as_deref(),
                    location.as_deref(),
                    error.as_deref(),
                )
            })
            .await;
        self.note(call, AttemptEventKind::Recording, detail).await;
    }
}
