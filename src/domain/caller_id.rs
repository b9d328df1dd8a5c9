//! The numbers a campaign presents to callees: a pool of E.164 caller IDs. A campaign
//! with one number (the old single `caller_id`) is a pool of one; an empty pool means
//! the trunk's own number.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// How figures label the calls presented with the trunk's own number (an empty pool).
pub const TRUNK_NUMBER: &str = "trunk's number";

/// Most numbers one campaign may rotate through; a bound so a pasted list cannot make
/// every dial scan thousands of numbers.
pub const MAX_POOL: usize = 500;

/// A campaign's caller IDs, in the order the operator gave them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct CallerIdPool(Vec<String>);

/// What is wrong with a caller-ID list, naming the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallerIdError {
    /// `position` (from 1) is named when the list has more than one entry.
    #[error("{}{problem}", position.map(|p| format!("caller id {p} ")).unwrap_or_default())]
    Invalid {
        position: Option<usize>,
        problem: String,
    },
    #[error("caller id {number} is listed twice (entries {first} and {second})")]
    Duplicate {
        number: String,
        first: usize,
        second: usize,
    },
    #[error("{count} caller ids is too many: at most {MAX_POOL}")]
    TooMany { count: usize },
}

impl CallerIdPool {
    /// The pool as given, unchecked; `check` says what is wrong with it.
    pub fn new(numbers: Vec<String>) -> CallerIdPool {
        CallerIdPool(numbers)
    }

    /// Parses `+12125550187, +13125550100`: comma-separated, spaces around entries
    /// ignored, empty entries skipped (`""` is the empty pool), every entry checked.
    pub fn parse_list(text: &str) -> Result<CallerIdPool, CallerIdError> {
        let pool = CallerIdPool(
            text.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect(),
        );
        pool.check()?;
        Ok(pool)
    }

    /// Every number is E.164, none twice, not too many.
    pub fn check(&self) -> Result<(), CallerIdError> {
        if self.0.len() > MAX_POOL {
            return Err(CallerIdError::TooMany {
                count: self.0.len(),
            });
        }
        for (index, number) in self.0.iter().enumerate() {
            if let Some(problem) = caller_id_problem(number) {
                return Err(CallerIdError::Invalid {
                    position: (self.0.len() > 1).then_some(index + 1),
                    problem,
                });
            }
            if let Some(first) = self.0[..index].iter().position(|n| n == number) {
                return Err(CallerIdError::Duplicate {
                    number: number.clone(),
                    first: first + 1,
                    second: index + 1,
                });
            }
        }
        Ok(())
    }

    pub fn numbers(&self) -> &[String] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The one number of a pool of one; `None` for the trunk's number or a real pool.
    pub fn single(&self) -> Option<&str> {
        match self.0.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }
}

/// `+12125550187,+13125550100`, the form `parse_list` reads back.
impl fmt::Display for CallerIdPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(","))
    }
}

/// Campaigns stored before pools existed hold `"caller_id": "+1..."` or `null`; both
/// read as a pool (of one, or empty), so old databases keep working unchanged.
impl<'de> Deserialize<'de> for CallerIdPool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            One(String),
            Many(Vec<String>),
        }
        Ok(match Option::<Stored>::deserialize(d)? {
            None => CallerIdPool::default(),
            Some(Stored::One(n)) if n.is_empty() => CallerIdPool::default(),
            Some(Stored::One(n)) => CallerIdPool(vec![n]),
            Some(Stored::Many(list)) => CallerIdPool(list),
        })
    }
}

/// Why `number` cannot be presented as a caller ID, or `None`. Checked with the same
/// metadata as the leads' numbers.
pub fn caller_id_problem(number: &str) -> Option<String> {
    let example = "e.g. +12125550187";
    if !number.starts_with('+') {
        return Some(format!(
            "`{number}` is not an E.164 number: write it with + and the country code, {example}"
        ));
    }
    // The region only matters for numbers without `+`, which are refused above.
    let region = crate::phone::parse_region("US").ok()?;
    match crate::phone::PhoneNormalizer::new(region).normalize(number) {
        Err(e) => Some(format!("{e}; give an E.164 number, {example}")),
        Ok(e164) if e164 != number => Some(format!(
            "`{number}` is not in E.164 form: write it as {e164}"
        )),
        Ok(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_parses_with_spaces_and_names_the_bad_entry() {
        let pool = CallerIdPool::parse_list(" +12125550187, +442079460958 ,").unwrap();
        assert_eq!(pool.numbers(), ["+12125550187", "+442079460958"]);
        assert_eq!(pool.to_string(), "+12125550187,+442079460958");
        assert_eq!(
            CallerIdPool::parse_list("").unwrap(),
            CallerIdPool::default()
        );

        let err = CallerIdPool::parse_list("+12125550187,hello").unwrap_err();
        assert_eq!(
            err.to_string(),
            "caller id 2 `hello` is not an E.164 number: write it with + and the country code, e.g. +12125550187"
        );
        let err = CallerIdPool::parse_list("+1 212 555 0187").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`+1 212 555 0187` is not in E.164 form: write it as +12125550187",
            "one entry is not numbered"
        );
        assert!(
            err.to_string().contains("write it as +12125550187"),
            "{err}"
        );
        assert!(CallerIdPool::parse_list("+1234").is_err());
    }

    #[test]
    fn duplicates_and_oversized_pools_are_refused() {
        let err = CallerIdPool::parse_list("+12125550187,+13125550100,+12125550187").unwrap_err();
        assert_eq!(
            err.to_string(),
            "caller id +12125550187 is listed twice (entries 1 and 3)"
        );
        let many = CallerIdPool::new(vec!["+12125550187".into(); MAX_POOL + 1]);
        assert_eq!(many.check(), Err(CallerIdError::TooMany { count: 501 }));
    }

    #[test]
    fn a_stored_single_caller_id_reads_as_a_pool_of_one() {
        let one: CallerIdPool = serde_json::from_str(r#""+12125550187""#).unwrap();
        assert_eq!(one.single(), Some("+12125550187"));
        let none: CallerIdPool = serde_json::from_str("null").unwrap();
        assert!(none.is_empty());
        let empty: CallerIdPool = serde_json::from_str(r#""""#).unwrap();
        assert!(empty.is_empty());
        let many: CallerIdPool =
            serde_json::from_str(r#"["+12125550187","+13125550100"]"#).unwrap();
        assert_eq!(many.len(), 2);
        assert_eq!(many.single(), None);
        assert_eq!(
            serde_json::to_string(&many).unwrap(),
            r#"["+12125550187","+13125550100"]"#
        );
    }
}
