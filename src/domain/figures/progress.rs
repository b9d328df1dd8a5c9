//! Progress: of the leads the campaign may call, how many it has finished with (called
//! to an end or out of attempts). Leads on the do-not-call list and numbers that are
//! not valid are shown apart, not as progress: a draft whose leads are mostly on the
//! DNC list has called no one, so it is at 0%, not 75%. Progress counts what happened:
//! a lead called before it went on the DNC list stays called (finished and callable),
//! so listing a finished campaign's leads afterwards does not rewrite it to "0 of 0".

use super::LeadCounts;

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
pub struct Progress {
    /// Leads called to an end: done, out of attempts, or called and then put on the
    /// DNC list.
    pub finished: u64,
    /// Leads the campaign may call or did call: every lead but invalid ones and those
    /// on the DNC list that were never called.
    pub callable: u64,
    /// Leads on the DNC list that were never called.
    pub dnc: u64,
    pub invalid: u64,
    /// Every lead of the campaign.
    pub total: u64,
}

impl Progress {
    pub fn of(counts: &LeadCounts) -> Self {
        let total = counts.total();
        let called_dnc = counts.dnc_called.min(counts.dnc);
        let (dnc, invalid) = (counts.dnc - called_dnc, counts.invalid);
        let callable = total - dnc - invalid;
        Progress {
            finished: (counts.done + counts.exhausted + called_dnc).min(callable),
            callable,
            dnc,
            invalid,
            total,
        }
    }

    /// `finished / callable`, never above 1; `None` when there is no lead to call.
    pub fn ratio(&self) -> Option<f64> {
        (self.callable > 0).then(|| self.finished as f64 / self.callable as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dnc_and_invalid_leads_are_not_progress() {
        let c = |pending, dialing, done, exhausted, dnc, invalid| LeadCounts {
            pending,
            dialing,
            done,
            exhausted,
            dnc,
            invalid,
            retry_wait: 0,
            dnc_called: 0,
        };
        // counts → (finished, callable, ratio)
        let table = [
            // A draft of four leads, three on the DNC list: nothing called yet.
            (c(1, 0, 0, 0, 3, 0), (0, 1, Some(0.0))),
            (c(0, 0, 1, 1, 1, 1), (2, 2, Some(1.0))),
            (c(150, 2, 40, 8, 0, 0), (48, 200, Some(0.24))),
            (c(0, 0, 0, 0, 2, 1), (0, 0, None)),
            (LeadCounts::default(), (0, 0, None)),
        ];
        for (counts, (finished, callable, ratio)) in table {
            let p = Progress::of(&counts);
            assert_eq!(
                (p.finished, p.callable, p.ratio()),
                (finished, callable, ratio)
            );
            assert_eq!(p.total, counts.total());
            assert!(p.finished <= p.callable && p.callable <= p.total);
        }
    }

    #[test]
    fn leads_called_before_going_on_the_dnc_list_stay_called() {
        // A finished campaign of 10 leads; afterwards all 10 go on the DNC list.
        let listed = LeadCounts {
            dnc: 10,
            dnc_called: 10,
            ..Default::default()
        };
        let p = Progress::of(&listed);
        assert_eq!((p.finished, p.callable, p.dnc), (10, 10, 0));
        assert_eq!(p.ratio(), Some(1.0));
        // Half way through, 3 called leads and 2 uncalled ones go on the list.
        let half = LeadCounts {
            pending: 3,
            done: 2,
            dnc: 5,
            dnc_called: 3,
            ..Default::default()
        };
        let p = Progress::of(&half);
        assert_eq!((p.finished, p.callable, p.dnc), (5, 8, 2));
    }
}
