//! A lead with several numbers (mobile, office, home): which one its next call dials.
//! A call that ends `no_answer`, `busy` or `invalid_number` moves the lead on to its
//! next number, cycling back after the last; any other outcome tries the same number
//! again. `invalid_number` retires that number for the lead for good.

use super::attempt::Outcome;

/// One of a lead's numbers and what its calls so far came to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadNumber {
    pub phone: String,
    /// Counted calls to this number.
    pub attempts: u32,
    pub last_outcome: Option<Outcome>,
    /// The network said it does not exist: never dialled again for this lead.
    pub retired: bool,
}

/// The outcomes after which the next call goes to the lead's next number.
pub fn moves_on(outcome: Outcome) -> bool {
    matches!(
        outcome,
        Outcome::NoAnswer | Outcome::Busy | Outcome::InvalidNumber
    )
}

/// The lead's numbers (`phones`, primary first) with their history folded in.
/// `history` is the lead's ended calls, oldest first, as (number dialled, outcome).
pub fn lead_numbers<'a>(
    phones: &[String],
    history: impl IntoIterator<Item = (&'a str, Outcome)>,
) -> Vec<LeadNumber> {
    let mut numbers: Vec<LeadNumber> = phones
        .iter()
        .map(|phone| LeadNumber {
            phone: phone.clone(),
            attempts: 0,
            last_outcome: None,
            retired: false,
        })
        .collect();
    for (phone, outcome) in history {
        let Some(number) = numbers.iter_mut().find(|n| n.phone == phone) else {
            continue;
        };
        if outcome.counts_as_attempt() {
            number.attempts += 1;
            number.last_outcome = Some(outcome);
        }
        number.retired |= outcome == Outcome::InvalidNumber;
    }
    numbers
}

/// The numbers to try for the next call, best first: starting after the last dialled
/// one if its call moves the lead on (else at it), cycling, retired numbers left out.
/// `last` is the index of the last dialled number and how its call ended. The caller
/// takes the first that is not on a do-not-call list and under its daily limit.
pub fn dial_order(numbers: &[LeadNumber], last: Option<(usize, Outcome)>) -> Vec<usize> {
    let count = numbers.len();
    if count == 0 {
        return Vec::new();
    }
    let start = match last {
        None => 0,
        Some((index, outcome)) if moves_on(outcome) => (index + 1) % count,
        Some((index, _)) => index % count,
    };
    (0..count)
        .map(|step| (start + step) % count)
        .filter(|&i| !numbers[i].retired)
        .collect()
}

/// Whether a number other than `index` is still left to dial.
pub fn has_another_number(numbers: &[LeadNumber], index: usize) -> bool {
    numbers
        .iter()
        .enumerate()
        .any(|(i, n)| i != index && !n.retired)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::*;

    fn phones() -> Vec<String> {
        ["+12125550101", "+12125550102", "+12125550103"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn table_of_next_numbers() {
        let numbers = lead_numbers(&phones(), []);
        // (last dialled and its outcome, first number to try)
        let cases = [
            (None, 0),
            (Some((0, NoAnswer)), 1),
            (Some((1, Busy)), 2),
            (Some((2, NoAnswer)), 0), // cycles back after the last
            (Some((1, TrunkFailure)), 1),
            (Some((1, Error)), 1),
            (Some((0, Rejected)), 0),
        ];
        for (last, first) in cases {
            assert_eq!(dial_order(&numbers, last)[0], first, "after {last:?}");
        }
        assert_eq!(dial_order(&numbers, Some((2, Busy))), [0, 1, 2]);
    }

    #[test]
    fn invalid_number_retires_it_for_good() {
        let phones = phones();
        let history = [(phones[0].as_str(), InvalidNumber)];
        let numbers = lead_numbers(&phones, history);
        assert!(numbers[0].retired);
        assert_eq!(dial_order(&numbers, Some((0, InvalidNumber))), [1, 2]);
        // Later rounds skip it too.
        assert_eq!(dial_order(&numbers, Some((2, NoAnswer))), [1, 2]);
        assert!(has_another_number(&numbers, 1));
        let history = [
            (phones[0].as_str(), InvalidNumber),
            (phones[1].as_str(), InvalidNumber),
        ];
        let numbers = lead_numbers(&phones, history);
        assert!(!has_another_number(&numbers, 2));
        assert!(has_another_number(&numbers, 0));
    }

    #[test]
    fn history_counts_placed_calls_per_number() {
        let phones = phones();
        let history = [
            (phones[0].as_str(), NoAnswer),
            (phones[1].as_str(), NotPlaced),
            (phones[1].as_str(), Busy),
            ("+19999999999", Completed), // a number the lead no longer has
        ];
        let numbers = lead_numbers(&phones, history);
        assert_eq!(numbers[0].attempts, 1);
        assert_eq!(numbers[0].last_outcome, Some(NoAnswer));
        assert_eq!(numbers[1].attempts, 1);
        assert_eq!(numbers[1].last_outcome, Some(Busy));
        assert_eq!(numbers[2].attempts, 0);
        assert!(!numbers.iter().any(|n| n.retired));
    }

    #[test]
    fn a_lead_of_one_number_dials_it_every_time() {
        let one = lead_numbers(&phones()[..1], []);
        assert_eq!(dial_order(&one, Some((0, NoAnswer))), [0]);
        assert_eq!(dial_order(&[], None), Vec::<usize>::new());
    }
}
