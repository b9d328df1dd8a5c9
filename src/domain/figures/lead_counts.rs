//! A campaign's leads by state. The total is the number of leads the campaign has, and
//! no bookkeeping may change it: a lead moves from one state to another, it is never
//! counted twice (`201 / 200`) nor lost.

use super::super::LeadState;

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
pub struct LeadCounts {
    pub pending: u64,
    pub dialing: u64,
    pub done: u64,
    pub retry_wait: u64,
    pub exhausted: u64,
    pub dnc: u64,
    pub invalid: u64,
    /// Of the `dnc` leads, those called before they went on the list: what happened to
    /// them is history, so progress keeps them as called (`Progress`).
    #[serde(default)]
    pub dnc_called: u64,
}

impl LeadCounts {
    pub fn total(&self) -> u64 {
        self.pending
            + self.dialing
            + self.done
            + self.retry_wait
            + self.exhausted
            + self.dnc
            + self.invalid
    }

    /// Leads that can never be dialled again: done, out of attempts, DNC or invalid.
    /// Not progress (`Progress` keeps DNC and invalid apart), but what a load test counts.
    pub fn settled(&self) -> u64 {
        self.total() - self.remaining()
    }

    /// Leads that may still be dialled: waiting their turn, a retry, or in a call now.
    pub fn remaining(&self) -> u64 {
        self.pending + self.retry_wait + self.dialing
    }

    pub fn of(&self, state: LeadState) -> u64 {
        *self.clone().slot(state)
    }

    pub fn slot(&mut self, state: LeadState) -> &mut u64 {
        match state {
            LeadState::Pending => &mut self.pending,
            LeadState::Dialing => &mut self.dialing,
            LeadState::Done => &mut self.done,
            LeadState::RetryWait => &mut self.retry_wait,
            LeadState::Exhausted => &mut self.exhausted,
            LeadState::Dnc => &mut self.dnc,
            LeadState::Invalid => &mut self.invalid,
        }
    }

    /// One lead went from `from` to `to`. When the tally holds no lead in `from` it is
    /// out of step with the store (a recount is on its way); the move is then left out
    /// rather than adding a lead that does not exist.
    ///
    /// A lead that goes on the DNC list from a state only a call leads to (done, out of
    /// attempts, waiting a retry, in a call) was called; one still pending may have been
    /// (a retry that spent nothing) and is left to the next recount.
    pub fn moved(&mut self, from: LeadState, to: LeadState) {
        let source = self.slot(from);
        if *source == 0 {
            return;
        }
        *source -= 1;
        *self.slot(to) += 1;
        let was_called = matches!(
            from,
            LeadState::Done | LeadState::Exhausted | LeadState::RetryWait | LeadState::Dialing
        );
        if to == LeadState::Dnc && was_called {
            self.dnc_called += 1;
        }
        self.dnc_called = self.dnc_called.min(self.dnc);
    }

    /// Counts read from the store, with the engine's own calls in flight: leads being
    /// dialled are the engine's to count, since the read may predate a dial (the lead
    /// still `pending` in it) or a hang-up. The total stays what the store read.
    pub fn with_in_flight(mut self, in_flight: u64) -> Self {
        let total = self.total();
        let in_flight = in_flight.min(total);
        while self.dialing < in_flight {
            // A dial the read did not see: its lead was still waiting.
            let waiting = [LeadState::Pending, LeadState::RetryWait]
                .into_iter()
                .find(|s| self.of(*s) > 0);
            match waiting {
                Some(state) => self.moved(state, LeadState::Dialing),
                None => break,
            }
        }
        if self.dialing > in_flight {
            // A call that ended after the read: its lead's new state is not known
            // yet, so it waits as pending until the next recount.
            self.pending += self.dialing - in_flight;
            self.dialing = in_flight;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pending: u64, dialing: u64, retry_wait: u64, done: u64) -> LeadCounts {
        LeadCounts {
            pending,
            dialing,
            retry_wait,
            done,
            ..Default::default()
        }
    }

    #[test]
    fn calls_in_flight_never_change_the_total() {
        // (read from the store, calls in flight) → counts shown
        let table = [
            // The read predates two dials: 200 leads, not 202.
            ((counts(200, 0, 0, 0), 2), counts(198, 2, 0, 0)),
            // The read saw the dial already.
            ((counts(199, 1, 0, 0), 1), counts(199, 1, 0, 0)),
            // A due retry was dialled after the read.
            ((counts(0, 0, 1, 1), 1), counts(0, 1, 0, 1)),
            // A call ended after the read.
            ((counts(0, 2, 0, 0), 1), counts(1, 1, 0, 0)),
            // More calls than leads the read knows of (it is that stale).
            ((counts(1, 0, 0, 1), 3), counts(0, 1, 0, 1)),
        ];
        for ((read, in_flight), shown) in table {
            let got = read.with_in_flight(in_flight);
            assert_eq!(got, shown, "{read:?} with {in_flight} in flight");
            assert_eq!(got.total(), read.total());
        }
    }

    #[test]
    fn a_move_from_an_empty_state_adds_no_lead() {
        let mut c = counts(24, 0, 0, 0);
        c.moved(LeadState::Pending, LeadState::Dialing);
        c.moved(LeadState::Dialing, LeadState::Done);
        assert_eq!(c, counts(23, 0, 0, 1));
        // Out of step: no lead is dialling, yet a call "ended".
        c.moved(LeadState::Dialing, LeadState::Done);
        assert_eq!(c.total(), 24, "never 25 / 24");
    }

    #[test]
    fn a_called_lead_put_on_the_dnc_list_stays_called() {
        let mut c = counts(1, 0, 0, 2);
        c.moved(LeadState::Done, LeadState::Dnc);
        c.moved(LeadState::Pending, LeadState::Dnc);
        assert_eq!((c.dnc, c.dnc_called, c.done), (2, 1, 1));
        // Off the list again: no more called DNC leads than DNC leads.
        c.moved(LeadState::Dnc, LeadState::Pending);
        c.moved(LeadState::Dnc, LeadState::Pending);
        assert_eq!((c.dnc, c.dnc_called), (0, 0));
    }
}
