//! Where a number is, as far as the number itself says: its country calling code, its
//! area (the NANP area code, elsewhere the national destination code libphonenumber
//! knows) and the time zone of that area. Local presence compares callers and callees
//! by these.

use chrono_tz::Tz;
use rlibphonenumber::PHONE_NUMBER_UTIL;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locality {
    /// Calling code without `+`: `1`, `44`, `49`.
    pub country: String,
    /// Area code (`212`) or national destination code (`20` for London); `None` for
    /// numbers that have none (many mobiles, non-geographic ranges).
    pub area: Option<String>,
    /// The zone of the area code, or of a one-zone country: inside the NANP this tells
    /// apart states and provinces that share no area code.
    pub zone: Option<Tz>,
}

/// The locality of an E.164 number, or `None` when libphonenumber cannot parse it.
pub fn locality(e164: &str) -> Option<Locality> {
    let digits = e164.strip_prefix('+')?;
    let number = PHONE_NUMBER_UTIL.parse(e164, None).ok()?;
    let national = number.get_national_significant_number();
    let country = digits.strip_suffix(national.as_str())?.to_owned();
    let area = if country == "1" {
        national.get(..3).map(str::to_owned)
    } else {
        let length = number.get_length_of_national_destination_code();
        (length > 0)
            .then(|| national.get(..length).map(str::to_owned))
            .flatten()
    };
    Some(Locality {
        country,
        area,
        zone: super::infer_timezone(e164),
    })
}

/// The area code of a NANP number (`+1` and ten digits) without parsing it: the three
/// digits after `+1`, which is the `area` [`locality`] gives every NANP number it
/// parses. A report groups a million calls by area, and libphonenumber costs a
/// microsecond or two a number; numbers elsewhere go through [`locality`].
pub fn nanp_area_code(e164: &str) -> Option<&str> {
    let digits = e164.strip_prefix("+1")?;
    (digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| &digits[..3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nanp_shortcut_gives_the_area_locality_gives() {
        for number in [
            "+12125550187",
            "+14165550100",
            "+13125550100",
            "+19075550100",
        ] {
            assert_eq!(
                nanp_area_code(number),
                locality(number).unwrap().area.as_deref(),
                "{number}"
            );
        }
        for not_nanp in [
            "+442079460958",
            "+1212555018",
            "+1212555018x",
            "12125550187",
        ] {
            assert_eq!(nanp_area_code(not_nanp), None, "{not_nanp}");
        }
    }

    #[test]
    fn nanp_numbers_have_their_area_code_and_zone() {
        let nyc = locality("+12125550187").unwrap();
        assert_eq!(nyc.country, "1");
        assert_eq!(nyc.area.as_deref(), Some("212"));
        assert_eq!(nyc.zone, Some(chrono_tz::America::New_York));
        let toronto = locality("+14165550100").unwrap();
        assert_eq!(toronto.area.as_deref(), Some("416"));
        assert_eq!(toronto.zone, Some(chrono_tz::America::Toronto));
    }

    #[test]
    fn other_countries_have_their_national_destination_code() {
        let london = locality("+442079460958").unwrap();
        assert_eq!(london.country, "44");
        assert_eq!(london.area.as_deref(), Some("20"));
        let manchester = locality("+441614960000").unwrap();
        assert_eq!(manchester.area.as_deref(), Some("161"));
        let berlin = locality("+493012345678").unwrap();
        assert_eq!(berlin.country, "49");
        assert_eq!(berlin.area.as_deref(), Some("30"));
        assert!(locality("not a number").is_none());
    }
}
