//! The callee's time zone, guessed from the number alone: by area code inside the North
//! American Numbering Plan, by country code for countries that keep one clock. Anything
//! else is `None`, and the campaign's own zone applies.

use super::nanp_area_codes::AREA_CODES;
use chrono_tz::{Africa, America, Asia, Atlantic, Europe, Pacific, Tz};
use std::sync::LazyLock;

/// Country calling codes of countries with one time zone (or one zone for all but a
/// few thousand people). Calling codes are prefix-free, so order does not matter.
/// Left out on purpose: Russia and Kazakhstan (+7), Mexico,
/// Brazil, Australia, Indonesia, Chile, Ecuador and the rest with several zones.
/// Near enough: New Zealand (the Chatham Islands, 600 people, are 45 minutes ahead),
/// Spain and Portugal (the Canaries, Azores: see `ISLAND_PREFIXES`), France (mainland;
/// overseas departments have their own calling codes).
const SINGLE_ZONE_COUNTRIES: &[(&str, Tz)] = &[
    ("20", Africa::Cairo),
    ("212", Africa::Casablanca),
    ("233", Africa::Accra),
    ("234", Africa::Lagos),
    ("254", Africa::Nairobi),
    ("255", Africa::Dar_es_Salaam),
    ("256", Africa::Kampala),
    ("27", Africa::Johannesburg),
    ("30", Europe::Athens),
    ("31", Europe::Amsterdam),
    ("32", Europe::Brussels),
    ("33", Europe::Paris),
    ("34", Europe::Madrid),
    ("351", Europe::Lisbon),
    ("352", Europe::Luxembourg),
    ("353", Europe::Dublin),
    ("354", Atlantic::Reykjavik),
    ("356", Europe::Malta),
    ("358", Europe::Helsinki),
    ("359", Europe::Sofia),
    ("36", Europe::Budapest),
    ("370", Europe::Vilnius),
    ("371", Europe::Riga),
    ("372", Europe::Tallinn),
    ("375", Europe::Minsk),
    ("380", Europe::Kyiv),
    ("385", Europe::Zagreb),
    ("386", Europe::Ljubljana),
    ("39", Europe::Rome),
    ("40", Europe::Bucharest),
    ("41", Europe::Zurich),
    ("420", Europe::Prague),
    ("421", Europe::Bratislava),
    ("43", Europe::Vienna),
    ("44", Europe::London),
    ("45", Europe::Copenhagen),
    ("46", Europe::Stockholm),
    ("47", Europe::Oslo),
    ("48", Europe::Warsaw),
    ("49", Europe::Berlin),
    ("502", America::Guatemala),
    ("503", America::El_Salvador),
    ("504", America::Tegucigalpa),
    ("505", America::Managua),
    ("506", America::Costa_Rica),
    ("507", America::Panama),
    ("51", America::Lima),
    ("54", America::Argentina::Buenos_Aires),
    ("57", America::Bogota),
    ("58", America::Caracas),
    ("595", America::Asuncion),
    ("598", America::Montevideo),
    ("60", Asia::Kuala_Lumpur),
    ("63", Asia::Manila),
    ("64", Pacific::Auckland),
    ("65", Asia::Singapore),
    ("66", Asia::Bangkok),
    ("81", Asia::Tokyo),
    ("82", Asia::Seoul),
    ("84", Asia::Ho_Chi_Minh),
    ("852", Asia::Hong_Kong),
    ("853", Asia::Macau),
    ("86", Asia::Shanghai),
    ("880", Asia::Dhaka),
    ("886", Asia::Taipei),
    ("90", Europe::Istanbul),
    ("91", Asia::Kolkata),
    ("92", Asia::Karachi),
    ("94", Asia::Colombo),
    ("965", Asia::Kuwait),
    ("966", Asia::Riyadh),
    ("968", Asia::Muscat),
    ("971", Asia::Dubai),
    ("972", Asia::Jerusalem),
    ("973", Asia::Bahrain),
    ("974", Asia::Qatar),
    ("977", Asia::Kathmandu),
];

/// Islands an hour behind their mainland whose landlines have their own prefix
/// (mobiles cannot be told apart and get the mainland's zone).
const ISLAND_PREFIXES: &[(&str, Tz)] = &[
    // Canary Islands: Las Palmas 828/928, Santa Cruz de Tenerife 822/922.
    ("34822", Atlantic::Canary),
    ("34828", Atlantic::Canary),
    ("34922", Atlantic::Canary),
    ("34928", Atlantic::Canary),
    // Azores.
    ("351292", Atlantic::Azores),
    ("351295", Atlantic::Azores),
    ("351296", Atlantic::Azores),
];

/// Area code (200..=999) to zone, built once from the table.
static NANP: LazyLock<[Option<Tz>; 1000]> = LazyLock::new(|| {
    let mut zones = [None; 1000];
    for (zone, codes) in AREA_CODES {
        for &code in *codes {
            zones[code as usize] = Some(*zone);
        }
    }
    zones
});

/// The time zone of an E.164 number (`+12125550187` → America/New_York), or `None`
/// when the number alone cannot tell.
pub fn infer_timezone(e164: &str) -> Option<Tz> {
    let digits = e164.strip_prefix('+')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(national) = digits.strip_prefix('1') {
        let area: usize = national.get(..3)?.parse().ok()?;
        return NANP[area];
    }
    ISLAND_PREFIXES
        .iter()
        .chain(SINGLE_ZONE_COUNTRIES)
        .find(|(prefix, _)| digits.starts_with(prefix))
        .map(|(_, zone)| *zone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn north_american_numbers_get_their_area_codes_zone() {
        assert_eq!(infer_timezone("+12125550187"), Some(America::New_York));
        assert_eq!(infer_timezone("+13125550187"), Some(America::Chicago));
        assert_eq!(infer_timezone("+13035550187"), Some(America::Denver));
        assert_eq!(infer_timezone("+16025550187"), Some(America::Phoenix));
        assert_eq!(infer_timezone("+14155550187"), Some(America::Los_Angeles));
        assert_eq!(infer_timezone("+19075550187"), Some(America::Anchorage));
        assert_eq!(infer_timezone("+18085550187"), Some(Pacific::Honolulu));
        assert_eq!(infer_timezone("+14165550187"), Some(America::Toronto));
        assert_eq!(infer_timezone("+18765550187"), Some(America::Jamaica));
        // 867 spans three territories' zones; toll-free numbers have no place.
        assert_eq!(infer_timezone("+18675550187"), None);
        assert_eq!(infer_timezone("+18005550187"), None);
    }

    #[test]
    fn single_zone_countries_and_their_islands() {
        assert_eq!(infer_timezone("+442079460958"), Some(Europe::London));
        assert_eq!(infer_timezone("+493012345678"), Some(Europe::Berlin));
        assert_eq!(infer_timezone("+34912345678"), Some(Europe::Madrid));
        assert_eq!(infer_timezone("+34928123456"), Some(Atlantic::Canary));
        assert_eq!(infer_timezone("+351296123456"), Some(Atlantic::Azores));
        assert_eq!(infer_timezone("+919876543210"), Some(Asia::Kolkata));
        assert_eq!(infer_timezone("+6421234567"), Some(Pacific::Auckland));
        // Several zones: unknown.
        assert_eq!(infer_timezone("+79123456789"), None);
        assert_eq!(infer_timezone("+61412345678"), None);
        assert_eq!(infer_timezone("+5511987654321"), None);
        assert_eq!(infer_timezone("not a number"), None);
    }

    #[test]
    fn every_us_state_has_area_codes_and_none_is_listed_twice() {
        let mut seen = HashMap::new();
        for (zone, codes) in AREA_CODES {
            for &code in *codes {
                assert!((200..=999).contains(&code), "{code}");
                if let Some(other) = seen.insert(code, *zone) {
                    panic!("area code {code} listed twice ({other} and {zone})");
                }
            }
        }
        assert!(seen.len() > 380, "only {} area codes", seen.len());
    }

    #[test]
    fn country_codes_are_prefix_free() {
        for (a, _) in SINGLE_ZONE_COUNTRIES {
            for (b, _) in SINGLE_ZONE_COUNTRIES {
                assert!(a == b || !b.starts_with(a), "{a} is a prefix of {b}");
            }
        }
    }
}
