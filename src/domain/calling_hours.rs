//! Calling hours: whether a lead may be called now in its own local time, when its
//! window next opens, and where a local day starts. DST-correct through chrono-tz: a
//! window start that falls into a spring-forward gap opens at the first valid local
//! instant after it. The engine schedules by them, the store's queue reads and daily
//! counts select by them, so they live here, below both.

use super::CallingWindow;
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone a lead is called in: its own, else the campaign's. An unreadable zone
/// name falls back to the campaign's, so a bad CSV cell never blocks a lead forever.
pub fn lead_zone(lead_zone: Option<&str>, campaign_zone: Tz) -> Tz {
    lead_zone
        .and_then(|z| z.parse().ok())
        .unwrap_or(campaign_zone)
}

/// Which leads may be called now, by their `timezone` column.
#[derive(Debug, Clone, Default)]
pub struct OpenZones {
    /// Zone names (as stored) whose calling window is open now.
    pub names: Vec<String>,
    /// Leads with no zone of their own use the campaign's; true when that is open.
    pub unzoned: bool,
}

pub fn is_open(window: &CallingWindow, zone: Tz, now: DateTime<Utc>) -> bool {
    window.contains(now.with_timezone(&zone).time())
}

/// The next instant at or after `now` when the window is open in `zone`.
pub fn next_opening(window: &CallingWindow, zone: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    if is_open(window, zone, now) {
        return now;
    }
    let today = now.with_timezone(&zone).date_naive();
    // The start today, tomorrow or the day after (a DST gap can swallow one).
    (0..3)
        .filter_map(|days| today.checked_add_signed(Duration::days(days)))
        .map(|day| local_instant(zone, day.and_time(window.start)))
        .find(|t| *t > now)
        .unwrap_or_else(|| now.checked_add_signed(Duration::days(1)).unwrap_or(now))
}

/// Which of `zones` (a campaign's lead zone names) are inside the window now, and
/// whether the campaign's own zone is (for leads without a zone or with a bad one).
pub fn open_zones(
    zones: &[String],
    window: &CallingWindow,
    campaign_zone: Tz,
    now: DateTime<Utc>,
) -> OpenZones {
    let names = zones
        .iter()
        .filter(|name| is_open(window, lead_zone(Some(name), campaign_zone), now))
        .cloned()
        .collect();
    OpenZones {
        names,
        unzoned: is_open(window, campaign_zone, now),
    }
}

/// The earliest opening among the zones that are closed now, with that zone's name.
pub fn earliest_opening(
    zones: &[String],
    window: &CallingWindow,
    campaign_zone: Tz,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, String)> {
    zones
        .iter()
        .map(|name| (lead_zone(Some(name), campaign_zone), name.clone()))
        .chain(std::iter::once((
            campaign_zone,
            campaign_zone.name().to_string(),
        )))
        .filter(|(zone, _)| !is_open(window, *zone, now))
        .map(|(zone, name)| (next_opening(window, zone, now), name))
        .min_by_key(|(at, _)| *at)
}

/// The next local midnight after `now` in `zone`, as UTC (when a daily count resets).
pub fn next_midnight(zone: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    // Checked: a date at the end of chrono's range has no tomorrow (never for real
    // clocks, but dates here can come from stored settings).
    let today = now.with_timezone(&zone).date_naive();
    match today.checked_add_signed(Duration::days(1)) {
        Some(tomorrow) => local_instant(zone, start_of(tomorrow)),
        None => DateTime::<Utc>::MAX_UTC,
    }
}

/// The local midnight that began the day `now` is in, as UTC.
pub fn day_start(zone: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    local_instant(zone, start_of(now.with_timezone(&zone).date_naive()))
}

fn start_of(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).expect("midnight exists")
}

/// A local wall time as UTC: the earlier of two in a fall-back overlap, the first valid
/// minute after it in a spring-forward gap.
fn local_instant(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    for _ in 0..=180 {
        match zone.from_local_datetime(&probe) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(earliest, _) => return earliest.with_timezone(&Utc),
            LocalResult::None => match probe.checked_add_signed(Duration::minutes(1)) {
                Some(next) => probe = next,
                None => break,
            },
        }
    }
    Utc.from_utc_datetime(&local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    fn window(s: &str) -> CallingWindow {
        s.parse().unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn a_lead_is_called_in_its_own_local_hours() {
        let nine_to_eight = window("09:00-20:00");
        let now = utc(2026, 6, 1, 14, 0); // 10:00 in New York, 07:00 in Los Angeles
        assert!(is_open(&nine_to_eight, chrono_tz::America::New_York, now));
        assert!(!is_open(
            &nine_to_eight,
            chrono_tz::America::Los_Angeles,
            now
        ));
        assert_eq!(
            next_opening(&nine_to_eight, chrono_tz::America::Los_Angeles, now),
            utc(2026, 6, 1, 16, 0)
        );
    }

    #[test]
    fn after_hours_waits_for_tomorrow() {
        let now = utc(2026, 6, 1, 23, 30); // 19:30 New York
        let w = window("09:00-19:00");
        assert_eq!(
            next_opening(&w, chrono_tz::America::New_York, now),
            utc(2026, 6, 2, 13, 0)
        );
    }

    #[test]
    fn spring_forward_gap_opens_at_the_first_valid_minute() {
        // 2026-03-08: New York skips 02:00-03:00.
        let w = CallingWindow {
            start: NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
            end: NaiveTime::from_hms_opt(5, 0, 0).unwrap(),
        };
        let now = utc(2026, 3, 8, 5, 0); // 00:00 EST
        assert_eq!(
            next_opening(&w, chrono_tz::America::New_York, now),
            utc(2026, 3, 8, 7, 0)
        ); // 03:00 EDT
    }

    #[test]
    fn the_day_after_fall_back_is_25_hours_long() {
        let zone = chrono_tz::America::New_York;
        let now = utc(2026, 11, 1, 12, 0);
        assert_eq!(day_start(zone, now), utc(2026, 11, 1, 4, 0));
        assert_eq!(next_midnight(zone, now), utc(2026, 11, 2, 5, 0));
    }

    #[test]
    fn the_end_of_time_does_not_panic() {
        let end = DateTime::<Utc>::MAX_UTC;
        assert_eq!(next_midnight(chrono_tz::UTC, end), end);
        let w = window("09:00-10:00");
        assert!(next_opening(&w, chrono_tz::UTC, end) >= end - Duration::days(1));
    }

    #[test]
    fn unknown_zone_names_fall_back_to_the_campaign_zone() {
        assert_eq!(
            lead_zone(Some("Mars/Base"), chrono_tz::Europe::Paris),
            chrono_tz::Europe::Paris
        );
        assert_eq!(
            lead_zone(Some("Asia/Tokyo"), chrono_tz::UTC),
            chrono_tz::Asia::Tokyo
        );
    }
}
