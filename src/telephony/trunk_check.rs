//! Before a campaign starts: does its trunk exist on this LiveKit project? Catching it
//! here pauses one campaign with a clear message instead of failing every dial.

use super::types::{TelephonyError, TrunkInfo};
use super::Telephony;
use std::time::Duration;

/// `Ok` when `trunk_id` is among the project's outbound trunks. Otherwise a
/// `Configuration` error naming the trunk and the fix; an unreachable LiveKit gives
/// the `list_trunks` error unchanged (not the campaign's fault).
pub async fn ensure_trunk_exists<T: Telephony>(
    telephony: &T,
    trunk_id: &str,
) -> Result<(), TelephonyError> {
    let trunks = telephony.list_trunks().await?;
    check_trunk(&trunks, trunk_id)
}

/// How long a start waits out an unreachable LiveKit before it is refused.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    /// Requests in all, the first included.
    pub attempts: u32,
    /// The wait after the first failure, doubled after each further one up to `max_wait`.
    pub first_wait: Duration,
    pub max_wait: Duration,
}

/// [`ensure_trunk_exists`], asking again with back-off while LiveKit is unavailable
/// (a 503, a timeout, a refused connection), as every other request to it does: one
/// passing hiccup must not refuse a start. A missing trunk is answered at once.
pub async fn ensure_trunk_exists_patiently<T: Telephony>(
    telephony: &T,
    trunk_id: &str,
    patience: Patience,
) -> Result<(), TelephonyError> {
    let mut wait = patience.first_wait;
    let mut attempt = 1;
    loop {
        match ensure_trunk_exists(telephony, trunk_id).await {
            Err(TelephonyError::Unavailable(reason)) if attempt < patience.attempts => {
                tracing::warn!(%reason, attempt, "checking the trunk failed; asking again");
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2).min(patience.max_wait);
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn check_trunk(trunks: &[TrunkInfo], trunk_id: &str) -> Result<(), TelephonyError> {
    if trunks.iter().any(|t| t.id == trunk_id) {
        return Ok(());
    }
    let known = if trunks.is_empty() {
        "it has no outbound trunks".to_string()
    } else {
        let ids: Vec<&str> = trunks.iter().map(|t| t.id.as_str()).collect();
        format!("its outbound trunks are {}", ids.join(", "))
    };
    Err(TelephonyError::Configuration {
        problem: format!("trunk {trunk_id} does not exist on this LiveKit project ({known})"),
        fix: "list trunks with `switchboard trunks` and set the campaign's trunk to one of them"
            .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trunk(id: &str) -> TrunkInfo {
        TrunkInfo {
            id: id.into(),
            name: "n".into(),
            address: "a".into(),
            numbers: vec![],
        }
    }

    #[test]
    fn a_listed_trunk_passes() {
        assert_eq!(check_trunk(&[trunk("ST_a"), trunk("ST_b")], "ST_b"), Ok(()));
    }

    #[test]
    fn an_unknown_trunk_names_itself_the_known_ones_and_the_fix() {
        let Err(TelephonyError::Configuration { problem, fix }) =
            check_trunk(&[trunk("ST_a")], "ST_zz")
        else {
            panic!("expected a configuration error");
        };
        assert!(
            problem.contains("ST_zz") && problem.contains("ST_a"),
            "{problem}"
        );
        assert!(fix.contains("`switchboard trunks`"), "{fix}");
    }

    #[test]
    fn a_project_without_trunks_says_so() {
        let Err(TelephonyError::Configuration { problem, .. }) = check_trunk(&[], "ST_x") else {
            panic!("expected a configuration error");
        };
        assert!(problem.contains("no outbound trunks"), "{problem}");
    }
}
