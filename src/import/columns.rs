//! Which header is which. Names are matched ignoring case, spaces, `_`, `-` and `.`,
//! so `Phone Number`, `phone_number` and `PHONE-NUMBER` are the same column. Every
//! column that is not the phone, the name, the priority or the time zone becomes a
//! variable handed to the agent under its header as written.

use super::ImportError;
use std::collections::{HashMap, HashSet};

/// More columns than this is not a leads file (or is one to trim first); it also keeps
/// every lead's variables a sane size.
pub const MAX_COLUMNS: usize = 1024;

/// Headers taken for the phone column, most specific first.
pub const PHONE_COLUMN_NAMES: &[&str] = &[
    "phone",
    "phonenumber",
    "phoneno",
    "phonenum",
    "mobile",
    "mobilenumber",
    "mobilephone",
    "mobileno",
    "cell",
    "cellphone",
    "cellnumber",
    "telephone",
    "telephonenumber",
    "tel",
    "msisdn",
    "e164",
    "number",
    "contactnumber",
    "primaryphone",
];
/// Headers of a lead's other numbers, found beside the phone column (folded: `phone_3`
/// reads as `phone3`). Any `phone` followed by digits counts too.
pub const ALT_PHONE_COLUMN_NAMES: &[&str] = &[
    "altphone",
    "alternatephone",
    "alternativephone",
    "otherphone",
    "secondaryphone",
    "workphone",
    "officephone",
    "businessphone",
    "homephone",
    "mobile",
    "mobilephone",
    "cell",
    "cellphone",
];
const FULL_NAME: &[&str] = &[
    "name",
    "fullname",
    "contactname",
    "leadname",
    "customername",
];
const FIRST_NAME: &[&str] = &["firstname", "first", "givenname", "forename"];
const LAST_NAME: &[&str] = &["lastname", "last", "surname", "familyname"];
const PRIORITY: &[&str] = &["priority", "prio"];
const TIMEZONE: &[&str] = &["timezone", "tz", "zone", "tzid", "ianatimezone"];

/// The header, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    /// Header cells as written (trimmed).
    pub headers: Vec<String>,
    pub phone: usize,
    /// A full-name column, or first and last name columns to join.
    pub name: Option<usize>,
    pub first_name: Option<usize>,
    pub last_name: Option<usize>,
    pub priority: Option<usize>,
    pub timezone: Option<usize>,
    /// Columns of the lead's other numbers, in header order.
    pub alternates: Vec<usize>,
    /// `(column, key)` of every column handed to the agent. First and last names stay
    /// variables too, so an agent can greet by first name.
    pub variables: Vec<(usize, String)>,
    /// The `line` and `reason` columns when the file is a rejects file being imported
    /// again (its header ends with them, as `rejects.rs` writes it): left out, so they
    /// never become agent variables.
    pub rejects_columns: Vec<usize>,
}

/// The two columns a rejects file adds after the original ones (`rejects.rs`).
pub const REJECTS_COLUMNS: [&str; 2] = ["line", "reason"];

fn fold(header: &str) -> String {
    header
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The first header whose folded name is in `names`, preferring earlier names.
fn find(folded: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|name| folded.iter().position(|h| h == name))
}

/// A header that names another number of the lead.
fn is_alt_phone(folded: &str) -> bool {
    ALT_PHONE_COLUMN_NAMES.contains(&folded)
        || folded
            .strip_prefix("phone")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

impl ColumnMap {
    pub fn from_headers(
        headers: Vec<String>,
        phone_column: Option<&str>,
    ) -> Result<ColumnMap, ImportError> {
        Self::with_alternates(headers, phone_column, &[])
    }

    /// Like `from_headers`; `alt_phone_columns` names the columns of other numbers
    /// (`--alt-phone-column`), else the usual names beside the phone column are taken.
    pub fn with_alternates(
        headers: Vec<String>,
        phone_column: Option<&str>,
        alt_phone_columns: &[String],
    ) -> Result<ColumnMap, ImportError> {
        if headers.len() > MAX_COLUMNS {
            return Err(ImportError::TooManyColumns {
                found: headers.len(),
                limit: MAX_COLUMNS,
            });
        }
        let folded: Vec<String> = headers.iter().map(|h| fold(h)).collect();
        let phone = match phone_column {
            Some(wanted) => {
                let exact = headers.iter().position(|h| h == wanted.trim());
                exact
                    .or_else(|| folded.iter().position(|h| *h == fold(wanted)))
                    .ok_or_else(|| ImportError::UnknownPhoneColumn {
                        wanted: wanted.to_string(),
                        found: headers.clone(),
                    })?
            }
            None => {
                find(&folded, PHONE_COLUMN_NAMES).ok_or_else(|| ImportError::NoPhoneColumn {
                    found: headers.clone(),
                })?
            }
        };
        let other = |names: &[&str]| find(&folded, names).filter(|&i| i != phone);
        let name = other(FULL_NAME);
        let (first_name, last_name) = match name {
            Some(_) => (None, None),
            None => (other(FIRST_NAME), other(LAST_NAME)),
        };
        let priority = other(PRIORITY);
        let timezone = other(TIMEZONE);
        let alternates: Vec<usize> = if alt_phone_columns.is_empty() {
            (0..headers.len())
                .filter(|&i| i != phone && is_alt_phone(&folded[i]))
                .filter(|&i| ![name, priority, timezone].contains(&Some(i)))
                .collect()
        } else {
            let mut named = Vec::with_capacity(alt_phone_columns.len());
            for wanted in alt_phone_columns {
                let exact = headers.iter().position(|h| h == wanted.trim());
                let column = exact
                    .or_else(|| folded.iter().position(|h| *h == fold(wanted)))
                    .filter(|&i| i != phone)
                    .ok_or_else(|| ImportError::UnknownAltPhoneColumn {
                        wanted: wanted.to_string(),
                        found: headers.clone(),
                    })?;
                if !named.contains(&column) {
                    named.push(column);
                }
            }
            named
        };
        let rejects_columns: Vec<usize> = match headers.len().checked_sub(REJECTS_COLUMNS.len()) {
            Some(start) if start > 0 && headers[start..] == REJECTS_COLUMNS => {
                (start..headers.len()).filter(|&i| i != phone).collect()
            }
            _ => Vec::new(),
        };
        let consumed = [Some(phone), name, priority, timezone];
        let mut variables: Vec<(usize, String)> = Vec::new();
        // Keys taken so far, and the next suffix to try per header: linear in the
        // columns even when every header is the same.
        let mut taken: HashSet<String> = HashSet::new();
        let mut next_suffix: HashMap<String, usize> = HashMap::new();
        for (i, header) in headers.iter().enumerate() {
            if consumed.contains(&Some(i))
                || alternates.contains(&i)
                || rejects_columns.contains(&i)
            {
                continue;
            }
            let base = if header.is_empty() {
                format!("column_{}", i + 1)
            } else {
                header.clone()
            };
            let mut key = base.clone();
            if taken.contains(&key) {
                let n = next_suffix.entry(base.clone()).or_insert(2);
                loop {
                    key = format!("{base}_{n}");
                    *n += 1;
                    if !taken.contains(&key) {
                        break;
                    }
                }
            }
            taken.insert(key.clone());
            variables.push((i, key));
        }
        Ok(ColumnMap {
            headers,
            phone,
            name,
            first_name,
            last_name,
            priority,
            timezone,
            alternates,
            variables,
            rejects_columns,
        })
    }

    /// One line for the report: `phone=Mobile name=First Name+Last Name variables: plan, city`.
    pub fn describe(&self) -> String {
        let h = |i: usize| self.headers[i].as_str();
        let mut parts = vec![format!("phone from `{}`", h(self.phone))];
        match (self.name, self.first_name, self.last_name) {
            (Some(n), _, _) => parts.push(format!("name from `{}`", h(n))),
            (None, Some(f), Some(l)) => parts.push(format!("name from `{}` + `{}`", h(f), h(l))),
            (None, Some(f), None) | (None, None, Some(f)) => {
                parts.push(format!("name from `{}`", h(f)))
            }
            (None, None, None) => {}
        }
        if !self.alternates.is_empty() {
            let names: Vec<String> = self
                .alternates
                .iter()
                .map(|&i| format!("`{}`", h(i)))
                .collect();
            parts.push(format!("other numbers from {}", names.join(", ")));
        }
        if let Some(p) = self.priority {
            parts.push(format!("priority from `{}`", h(p)));
        }
        match self.timezone {
            Some(t) => parts.push(format!("time zone from `{}`", h(t))),
            None => parts.push("time zone inferred from the number".into()),
        }
        if !self.variables.is_empty() {
            let keys: Vec<&str> = self.variables.iter().map(|(_, k)| k.as_str()).collect();
            parts.push(format!("variables {}", keys.join(", ")));
        }
        if !self.rejects_columns.is_empty() {
            parts.push("a rejects file: its `line` and `reason` columns left out".into());
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(headers: &[&str]) -> ColumnMap {
        ColumnMap::from_headers(headers.iter().map(|s| s.to_string()).collect(), None).unwrap()
    }

    #[test]
    fn common_spellings_find_the_phone_column() {
        for header in [
            "Phone",
            "phone_number",
            "Phone Number",
            "MOBILE",
            "Cell",
            "msisdn",
            "Tel.",
            "number",
        ] {
            assert_eq!(map(&["id", header]).phone, 1, "{header}");
        }
        assert_eq!(
            map(&["Number", "Mobile Phone"]).phone,
            1,
            "the more specific name wins"
        );
    }

    #[test]
    fn name_priority_timezone_and_the_rest_as_variables() {
        let m = map(&[
            "First Name",
            "last_name",
            "phone",
            "Priority",
            "TZ",
            "plan",
            "",
        ]);
        assert_eq!(
            (m.name, m.first_name, m.last_name),
            (None, Some(0), Some(1))
        );
        assert_eq!((m.priority, m.timezone), (Some(3), Some(4)));
        let keys: Vec<&str> = m.variables.iter().map(|(_, k)| k.as_str()).collect();
        assert_eq!(keys, ["First Name", "last_name", "plan", "column_7"]);
        let full = map(&["name", "first_name", "phone"]);
        assert_eq!((full.name, full.first_name), (Some(0), None));
    }

    #[test]
    fn a_missing_phone_column_names_what_was_found() {
        let err = ColumnMap::from_headers(vec!["id".into(), "email".into()], None).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`id`, `email`") && text.contains("--phone-column"),
            "{text}"
        );
        let named =
            ColumnMap::from_headers(vec!["id".into(), "Contact".into()], Some("contact")).unwrap();
        assert_eq!(named.phone, 1);
        let err = ColumnMap::from_headers(vec!["id".into()], Some("dial")).unwrap_err();
        assert!(err.to_string().contains("no column `dial`"), "{err}");
    }

    #[test]
    fn other_numbers_beside_the_phone_column_are_alternates() {
        let m = map(&[
            "phone",
            "phone2",
            "Phone_3",
            "alt_phone",
            "Alternate Phone",
            "work_phone",
            "mobile",
            "plan",
        ]);
        assert_eq!(m.phone, 0);
        assert_eq!(m.alternates, [1, 2, 3, 4, 5, 6]);
        let keys: Vec<&str> = m.variables.iter().map(|(_, k)| k.as_str()).collect();
        assert_eq!(keys, ["plan"], "numbers are not agent variables");
        assert!(m
            .describe()
            .contains("other numbers from `phone2`, `Phone_3`"));
        // A file whose only number is `mobile` dials it as the primary.
        let only = map(&["name", "mobile"]);
        assert_eq!((only.phone, only.alternates.len()), (1, 0));
        assert!(map(&["phone", "phonetic"]).alternates.is_empty());
    }

    #[test]
    fn named_alternate_columns_replace_the_guess_and_unknown_ones_are_refused() {
        let headers = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let m = ColumnMap::with_alternates(
            headers(&["phone", "phone2", "Office"]),
            None,
            &["office".into()],
        )
        .unwrap();
        assert_eq!(m.alternates, [2]);
        let keys: Vec<&str> = m.variables.iter().map(|(_, k)| k.as_str()).collect();
        assert_eq!(keys, ["phone2"]);
        let err = ColumnMap::with_alternates(headers(&["phone", "x"]), None, &["fax".into()])
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("no column `fax` (--alt-phone-column)"),
            "{err}"
        );
    }

    #[test]
    fn a_rejects_files_line_and_reason_are_not_variables() {
        let m = map(&["phone", "name", "plan", "line", "reason"]);
        let keys: Vec<&str> = m.variables.iter().map(|(_, k)| k.as_str()).collect();
        assert_eq!(keys, ["plan"]);
        assert_eq!(m.rejects_columns, [3, 4]);
        assert!(
            m.describe()
                .contains("`line` and `reason` columns left out"),
            "{}",
            m.describe()
        );
        // Only as the last two, as a rejects file has them.
        let m = map(&["phone", "reason", "line"]);
        let keys: Vec<&str> = m.variables.iter().map(|(_, k)| k.as_str()).collect();
        assert_eq!(keys, ["reason", "line"]);
        assert!(m.rejects_columns.is_empty());
    }

    #[test]
    fn repeated_headers_get_numbered_keys() {
        let m = map(&["phone", "a", "a", "a_2", "a", ""]);
        let keys: Vec<&str> = m.variables.iter().map(|(_, k)| k.as_str()).collect();
        assert_eq!(keys, ["a", "a_2", "a_2_2", "a_3", "column_6"]);
    }

    #[test]
    fn a_header_over_the_column_limit_is_refused_with_the_limit() {
        let headers = |n: usize| {
            std::iter::once("phone".to_string())
                .chain((1..n).map(|_| "same".to_string()))
                .collect::<Vec<_>>()
        };
        let fits = ColumnMap::from_headers(headers(MAX_COLUMNS), None).unwrap();
        assert_eq!(fits.variables.len(), MAX_COLUMNS - 1);
        assert_eq!(
            fits.variables.last().unwrap().1,
            format!("same_{}", MAX_COLUMNS - 1)
        );
        let err = ColumnMap::from_headers(headers(MAX_COLUMNS + 1), None).unwrap_err();
        assert!(
            matches!(err, ImportError::TooManyColumns { found, limit: MAX_COLUMNS } if found == MAX_COLUMNS + 1),
            "{err}"
        );
    }

    #[test]
    fn a_missing_phone_column_in_a_wide_header_is_a_short_message() {
        let headers = (0..MAX_COLUMNS)
            .map(|i| format!("{i}{}", "x".repeat(60)))
            .collect();
        let err = ColumnMap::from_headers(headers, None)
            .unwrap_err()
            .to_string();
        assert!(err.len() < 1024, "{} bytes: {err}", err.len());
        assert!(
            err.contains(&format!("and {} more", MAX_COLUMNS - 12)),
            "{err}"
        );
    }
}
