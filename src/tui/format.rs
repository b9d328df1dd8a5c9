//! How numbers and times read on screen.

use chrono::{DateTime, Duration, Timelike, Utc};

/// `4s`, `2m05s`, `1h02m`.
pub fn duration(d: Duration) -> String {
    let secs = d.num_seconds().max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60),
    }
}

pub fn millis(ms: u64) -> String {
    if ms < 10_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        duration(Duration::milliseconds(ms as i64))
    }
}

/// Wall-clock time of an event: `14:03:07`. Written directly rather than through
/// chrono's format strings, which parse the pattern again for every row drawn.
pub fn clock(t: DateTime<Utc>) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// `12,345`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn percent(ratio: f64) -> String {
    format!("{:.0}%", ratio * 100.0)
}

/// Cuts `text` to `width` characters, marking the cut with `…`.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else if width == 0 {
        String::new()
    } else {
        let mut out: String = text.chars().take(width - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_durations_read_naturally() {
        assert_eq!(duration(Duration::seconds(4)), "4s");
        assert_eq!(duration(Duration::seconds(125)), "2m05s");
        assert_eq!(duration(Duration::seconds(3720)), "1h02m");
        assert_eq!(duration(Duration::seconds(-3)), "0s");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(999), "999");
        assert_eq!(fit("Jonathan Appleseed", 8), "Jonatha…");
        assert_eq!(millis(4200), "4.2s");
        let t = DateTime::from_timestamp(1_700_000_007, 0).unwrap_or_default();
        assert_eq!(clock(t), t.format("%H:%M:%S").to_string());
        assert_eq!(clock(t), "22:13:27");
    }
}
