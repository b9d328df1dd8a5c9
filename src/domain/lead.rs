use super::transition::{status_names, IllegalTransition};

/// `pending → dialing → done | retry_wait | exhausted`, plus `dnc` and `invalid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LeadState {
    Pending,
    Dialing,
    Done,
    RetryWait,
    Exhausted,
    Dnc,
    Invalid,
}

status_names!(LeadState {
    Pending => "pending",
    Dialing => "dialing",
    Done => "done",
    RetryWait => "retry_wait",
    Exhausted => "exhausted",
    Dnc => "dnc",
    Invalid => "invalid",
});

impl LeadState {
    pub fn can_become(self, next: LeadState) -> bool {
        use LeadState::*;
        match (self, next) {
            // Dialling starts from the queue or from a due retry.
            (Pending | RetryWait, Dialing) => true,
            // A call ends in one of these; `Pending` is an infrastructure failure that
            // spent no attempt, `Invalid` a number the network says does not exist.
            (Dialing, Done | RetryWait | Exhausted | Pending | Invalid) => true,
            // The operator's "retry now" brings a lead back whatever ended it.
            (RetryWait | Done | Exhausted, Pending) => true,
            // A number can be put on the do-not-call list at any time but mid-call;
            // the call in flight finishes first and the engine marks it after.
            (Pending | RetryWait | Done | Exhausted | Invalid, Dnc) => true,
            _ => false,
        }
    }

    pub fn transition(self, next: LeadState) -> Result<LeadState, IllegalTransition> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(IllegalTransition::new("lead", self, next))
        }
    }

    /// Still has a future call in it.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            LeadState::Pending | LeadState::Dialing | LeadState::RetryWait
        )
    }
}

/// A lead's next state after a call, and when it is due again for `RetryWait`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadNext {
    pub state: LeadState,
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[cfg(test)]
mod tests {
    use super::LeadState::*;

    #[test]
    fn a_lead_is_dialled_only_from_the_queue() {
        assert!(Pending.transition(Dialing).is_ok());
        assert!(RetryWait.transition(Dialing).is_ok());
        for from in [Done, Exhausted, Dnc, Invalid, Dialing] {
            assert!(from.transition(Dialing).is_err(), "{from} -> dialing");
        }
    }

    #[test]
    fn dnc_is_final_and_never_set_mid_call() {
        for next in super::LeadState::ALL {
            assert!(Dnc.transition(*next).is_err(), "dnc -> {next}");
        }
        assert!(Dialing.transition(Dnc).is_err());
        assert!(Pending.transition(Dnc).is_ok());
    }

    #[test]
    fn calls_end_in_a_terminal_or_waiting_state() {
        for next in [Done, RetryWait, Exhausted, Pending, Invalid] {
            assert!(Dialing.transition(next).is_ok(), "dialing -> {next}");
        }
        assert!(Pending.transition(Done).is_err());
        assert_eq!(
            Pending.transition(Exhausted).unwrap_err().to_string(),
            "a lead cannot go from pending to exhausted"
        );
    }
}
