//! Numbers as people write them (`(212) 555-0187`, `0044 20 7946 0958`, `+49 30 …`)
//! to E.164 (`+12125550187`), with libphonenumber's metadata deciding what is valid.

use rlibphonenumber::{PhoneNumberFormat, Region, PHONE_NUMBER_UTIL};
use thiserror::Error;

/// Why a number was refused; the text is shown next to the CSV line it came from.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhoneError {
    #[error("no phone number")]
    Empty,
    #[error("`{0}` is not a phone number")]
    NotANumber(String),
    #[error("`{0}` starts with an unknown country code")]
    UnknownCountryCode(String),
    #[error("`{0}` is too short to be a phone number")]
    TooShort(String),
    #[error("`{0}` is too long to be a phone number")]
    TooLong(String),
    #[error("`{number}` is not a valid number{}{}", region.as_deref().map(|r| format!(" in {r}")).unwrap_or_default(), read_as.as_ref().map(|r| format!(" ({r})")).unwrap_or_default())]
    Invalid {
        number: String,
        region: Option<String>,
        /// For a number written without a country code: how it was read, and the
        /// `--region` that would read it right.
        read_as: Option<RegionHint>,
    },
}

/// A national number (no `+`, no international prefix) is read in the default region;
/// when it is invalid there, which region was assumed and, when one of the usual
/// others makes it valid, that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionHint {
    pub assumed: String,
    pub valid_in: Option<String>,
}

impl std::fmt::Display for RegionHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let assumed = &self.assumed;
        write!(f, "numbers without a country code are read as {assumed}; ")?;
        match &self.valid_in {
            Some(region) => write!(f, "pass --region {region}"),
            None => write!(
                f,
                "pass --region with its country's code, e.g. --region GB, or write it with +"
            ),
        }
    }
}

/// Regions tried when a national number is invalid in the default one, to name the
/// `--region` that was probably meant. Kept short: it runs once per refused number.
const LIKELY_REGIONS: [&str; 16] = [
    "US", "GB", "CA", "AU", "IE", "NZ", "DE", "FR", "ES", "IT", "NL", "IN", "ZA", "MX", "BR", "SG",
];

/// A default region that libphonenumber does not know.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{0}` is not a region code libphonenumber knows (use a two-letter ISO code such as US, GB, DE)")]
pub struct RegionError(pub String);

/// Parses a two-letter region code (`us`, `GB`) that has phone number metadata.
pub fn parse_region(code: &str) -> Result<Region, RegionError> {
    let region = Region::from_code(code.trim()).map_err(|_| RegionError(code.to_string()))?;
    match PHONE_NUMBER_UTIL.get_country_code_for_region(region) {
        Some(_) => Ok(region),
        None => Err(RegionError(code.to_string())),
    }
}

/// Turns raw numbers into E.164, reading national formats (no `+`) as numbers of
/// `default_region`.
#[derive(Debug, Clone, Copy)]
pub struct PhoneNormalizer {
    default_region: Region,
}

impl PhoneNormalizer {
    pub fn new(default_region: Region) -> Self {
        Self { default_region }
    }

    pub fn default_region(&self) -> Region {
        self.default_region
    }

    /// E.164 for a valid number; an error naming what is wrong otherwise.
    pub fn normalize(&self, raw: &str) -> Result<String, PhoneError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let shown = || shorten(trimmed);
        let number = PHONE_NUMBER_UTIL
            .parse(trimmed, Some(self.default_region))
            .map_err(|e| {
                use rlibphonenumber::ParseError::*;
                match e {
                    InvalidCountryCode => PhoneError::UnknownCountryCode(shown()),
                    TooShortAfterIdd | TooShortNsn => PhoneError::TooShort(shown()),
                    TooLongNsn => PhoneError::TooLong(shown()),
                    NotANumber(_) => PhoneError::NotANumber(shown()),
                }
            })?;
        if !number.is_valid() {
            return Err(PhoneError::Invalid {
                number: shown(),
                region: number.get_region_code().map(|r| r.to_string()),
                read_as: self.region_hint(trimmed),
            });
        }
        Ok(number.format_as(PhoneNumberFormat::E164).into_owned())
    }
}

impl PhoneNormalizer {
    /// For a number written without a country code, the region it was read in and
    /// the first usual one where it is valid.
    fn region_hint(&self, trimmed: &str) -> Option<RegionHint> {
        let international = ["+", "00", "011"]
            .iter()
            .any(|prefix| trimmed.starts_with(prefix));
        if international {
            return None;
        }
        let assumed = self.default_region.to_string();
        let valid_in = LIKELY_REGIONS
            .iter()
            .filter(|code| **code != assumed)
            .find(|code| {
                parse_region(code).is_ok_and(|region| {
                    PHONE_NUMBER_UTIL
                        .parse(trimmed, Some(region))
                        .is_ok_and(|n| n.is_valid())
                })
            })
            .map(|code| (*code).to_string());
        Some(RegionHint { assumed, valid_in })
    }
}

/// Error messages quote the input; a 4 KiB cell should not become a 4 KiB message.
fn shorten(raw: &str) -> String {
    const MAX: usize = 40;
    match raw.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &raw[..cut]),
        None => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us() -> PhoneNormalizer {
        PhoneNormalizer::new(parse_region("US").unwrap())
    }

    #[test]
    fn national_and_international_formats_become_e164() {
        let n = us();
        assert_eq!(n.normalize("(212) 555-0187").unwrap(), "+12125550187");
        assert_eq!(n.normalize(" 212.555.0187 ").unwrap(), "+12125550187");
        assert_eq!(n.normalize("+1 212 555 0187").unwrap(), "+12125550187");
        assert_eq!(n.normalize("+44 20 7946 0958").unwrap(), "+442079460958");
        assert_eq!(n.normalize("011 44 20 7946 0958").unwrap(), "+442079460958");
        let gb = PhoneNormalizer::new(parse_region("gb").unwrap());
        assert_eq!(gb.normalize("020 7946 0958").unwrap(), "+442079460958");
    }

    #[test]
    fn bad_numbers_say_what_is_wrong() {
        let n = us();
        assert_eq!(n.normalize("  "), Err(PhoneError::Empty));
        assert!(matches!(
            n.normalize("call me"),
            Err(PhoneError::NotANumber(_))
        ));
        assert!(n.normalize("12").is_err());
        assert!(matches!(
            n.normalize("+999 1234 5678"),
            Err(PhoneError::UnknownCountryCode(_))
        ));
        let err = n.normalize("(123) 456-7890").unwrap_err();
        assert!(matches!(err, PhoneError::Invalid { .. }), "{err:?}");
        assert!(err.to_string().contains("not a valid number"), "{err}");
    }

    #[test]
    fn a_national_number_invalid_here_names_the_region_flag() {
        let err = us().normalize("020 7946 0123").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`020 7946 0123` is not a valid number (numbers without a country code are read as US; pass --region GB)"
        );
        let err = us().normalize("12345678901234").unwrap_err().to_string();
        assert!(
            err.contains("pass --region") || err.contains("too long"),
            "{err}"
        );
        // Written with its country code, the region is not the question.
        let err = us().normalize("+1 123 456 7890").unwrap_err().to_string();
        assert!(!err.contains("--region"), "{err}");
    }

    #[test]
    fn only_known_regions_are_accepted() {
        assert!(parse_region("US").is_ok());
        assert!(parse_region("de").is_ok());
        assert_eq!(parse_region("XX"), Err(RegionError("XX".into())));
        assert!(parse_region("USA").is_err());
    }
}
