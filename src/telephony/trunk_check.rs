//! Before a campaign starts: does its trunk exist on this LiveKit project? Catching it
//! here pauses one campaign with a clear message instead of failing every dial.

use super::types::{TelephonyError, TrunkInfo};
use super::Telephony;

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
