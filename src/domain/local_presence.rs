//! Which pool number a call presents. With local presence on: one with the callee's
//! area code, else one in the callee's region (the area code's time zone, which inside
//! the NANP stands for a state or group of states) within the same country, else one
//! in the callee's country, else any. Among equally near numbers the least used today
//! wins; ties rotate by `turn`. Numbers at their cap or resting are never picked.

use crate::phone::{locality, Locality};

/// One pool number as the picker sees it.
#[derive(Debug, Clone)]
pub struct PoolNumber {
    pub number: String,
    locality: Option<Locality>,
}

impl PoolNumber {
    pub fn new(number: &str) -> PoolNumber {
        PoolNumber {
            number: number.to_owned(),
            locality: locality(number),
        }
    }
}

/// A pool number's state today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NumberUse {
    /// Calls it made today, across every campaign that shares it.
    pub used_today: u64,
    /// Under its daily cap and not resting.
    pub available: bool,
}

/// How near a caller ID is to the callee; lower is nearer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Nearness {
    SameArea,
    SameRegion,
    SameCountry,
    Elsewhere,
}

pub fn nearness(caller: Option<&Locality>, callee: Option<&Locality>) -> Nearness {
    let (Some(caller), Some(callee)) = (caller, callee) else {
        return Nearness::Elsewhere;
    };
    if caller.country != callee.country {
        return Nearness::Elsewhere;
    }
    if caller.area.is_some() && caller.area == callee.area {
        return Nearness::SameArea;
    }
    if caller.zone.is_some() && caller.zone == callee.zone {
        return Nearness::SameRegion;
    }
    Nearness::SameCountry
}

/// The index of the pool number to present to `callee`, or `None` when every number
/// is at its cap or resting. `uses` is parallel to `pool`.
pub fn pick_caller_id(
    pool: &[PoolNumber],
    uses: &[NumberUse],
    callee: &str,
    local_presence: bool,
    turn: u64,
) -> Option<usize> {
    let callee = local_presence.then(|| locality(callee)).flatten();
    let rank = |index: usize| {
        let near = if local_presence {
            nearness(pool[index].locality.as_ref(), callee.as_ref())
        } else {
            Nearness::Elsewhere
        };
        (near, uses[index].used_today)
    };
    let open: Vec<usize> = (0..pool.len().min(uses.len()))
        .filter(|&i| uses[i].available)
        .collect();
    let best = open.iter().map(|&i| rank(i)).min()?;
    let tied: Vec<usize> = open.into_iter().filter(|&i| rank(i) == best).collect();
    Some(tied[(turn % tied.len() as u64) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(numbers: &[&str]) -> Vec<PoolNumber> {
        numbers.iter().map(|n| PoolNumber::new(n)).collect()
    }

    fn fresh(n: usize) -> Vec<NumberUse> {
        vec![
            NumberUse {
                used_today: 0,
                available: true
            };
            n
        ]
    }

    const NYC: &str = "+12125550100";
    const CHICAGO: &str = "+13125550100";
    const BUFFALO: &str = "+17165550100"; // New York state, another area code
    const LONDON: &str = "+442079460000";
    const MANCHESTER: &str = "+441614960000";

    #[test]
    fn table_of_nearest_numbers() {
        let numbers = pool(&[CHICAGO, BUFFALO, NYC, LONDON, MANCHESTER]);
        let cases = [
            // callee, expected caller id
            ("+12125550187", NYC),         // same NPA
            ("+16465550187", BUFFALO),     // 646 is New York too: same zone, first of ties
            ("+17735550187", CHICAGO),     // Chicago's other NPA: same zone
            ("+442079460958", LONDON),     // same NDC outside the NANP
            ("+441614960123", MANCHESTER), // same NDC
            ("+441314960000", LONDON),     // Edinburgh: one UK zone, first of ties
        ];
        for (callee, expected) in cases {
            let at = pick_caller_id(&numbers, &fresh(5), callee, true, 0).unwrap();
            assert_eq!(numbers[at].number, expected, "callee {callee}");
        }
    }

    #[test]
    fn nearness_ranks_area_region_country() {
        let l = |n: &str| locality(n);
        assert_eq!(
            nearness(l(NYC).as_ref(), l("+12125550187").as_ref()),
            Nearness::SameArea
        );
        assert_eq!(
            nearness(l(BUFFALO).as_ref(), l("+12125550187").as_ref()),
            Nearness::SameRegion
        );
        assert_eq!(
            nearness(l(CHICAGO).as_ref(), l("+12125550187").as_ref()),
            Nearness::SameCountry
        );
        assert_eq!(
            nearness(l(LONDON).as_ref(), l("+12125550187").as_ref()),
            Nearness::Elsewhere
        );
    }

    #[test]
    fn a_capped_or_resting_local_number_is_skipped_for_the_next_nearest() {
        let numbers = pool(&[NYC, BUFFALO, CHICAGO]);
        let mut uses = fresh(3);
        uses[0].available = false;
        let at = pick_caller_id(&numbers, &uses, "+12125550187", true, 0).unwrap();
        assert_eq!(numbers[at].number, BUFFALO);
        uses[1].available = false;
        uses[2].available = false;
        assert_eq!(
            pick_caller_id(&numbers, &uses, "+12125550187", true, 0),
            None
        );
    }

    #[test]
    fn among_equals_the_least_used_wins_and_ties_rotate() {
        let numbers = pool(&[CHICAGO, NYC, LONDON]);
        let mut uses = fresh(3);
        uses[0].used_today = 5;
        uses[1].used_today = 2;
        uses[2].used_today = 2;
        // Local presence off: nearness does not count.
        let picks: Vec<usize> = (0..4)
            .map(|turn| pick_caller_id(&numbers, &uses, "+13125550187", false, turn).unwrap())
            .collect();
        assert_eq!(picks, [1, 2, 1, 2]);
        // On: the local Chicago number wins despite its use.
        assert_eq!(
            pick_caller_id(&numbers, &uses, "+13125550187", true, 0),
            Some(0)
        );
    }

    #[test]
    fn an_empty_pool_picks_nothing() {
        assert_eq!(pick_caller_id(&[], &[], NYC, true, 0), None);
    }
}
