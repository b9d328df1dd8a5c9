//! Retry rules that name an agent's disposition: `voicemail` after 4 hours, `callback`
//! at the time the agent gave. Written `NAME=4h` (or `90m`, `30s`, `2d`, bare seconds)
//! and `NAME=callback_at` on the command line, in the form and in config.

use super::settings::bounds;
use serde::{Deserialize, Serialize};
use std::fmt;

/// When a lead whose call got the named disposition is dialled again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "after", content = "secs")]
pub enum RetryAt {
    /// This long after the call ended.
    Delay(u64),
    /// At the time the agent gave in `switchboard.callback_at`; without one, after the
    /// campaign's retry delay.
    CallbackTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispositionRetry {
    /// Compared as `Disposition::key` is: case, spaces and punctuation do not matter.
    pub disposition: String,
    pub at: RetryAt,
}

impl DispositionRetry {
    /// Parses `NAME=DURATION` or `NAME=callback_at`, naming what is wrong and the fix.
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some((name, when)) = text.split_once('=') else {
            return Err(format!(
                "`{text}` is not NAME=WHEN; write e.g. voicemail=4h or callback=callback_at"
            ));
        };
        let disposition = name.trim();
        if disposition.is_empty() {
            return Err(format!("`{text}` names no disposition before `=`"));
        }
        let when = when.trim();
        let at = if when.eq_ignore_ascii_case("callback_at") {
            RetryAt::CallbackTime
        } else {
            let secs = parse_duration(when).ok_or_else(|| {
                format!("`{when}` is not a duration; write e.g. 4h, 90m, 30s, 2d or callback_at")
            })?;
            RetryAt::Delay(secs)
        };
        let rule = Self {
            disposition: disposition.to_string(),
            at,
        };
        rule.check()?;
        Ok(rule)
    }

    /// The rule's delay within the retry delay's bounds.
    pub fn check(&self) -> Result<(), String> {
        if let RetryAt::Delay(secs) = self.at {
            let bound = bounds::RETRY_DELAY_SECS;
            if secs < bound.min || secs > bound.max {
                return Err(format!(
                    "`{}` waits {secs} s; a retry may wait {} to {} s",
                    self.disposition, bound.min, bound.max
                ));
            }
        }
        Ok(())
    }

    pub fn matches(&self, disposition: &super::Disposition) -> bool {
        super::event::squash(&self.disposition) == disposition.key()
    }
}

impl fmt::Display for DispositionRetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            RetryAt::Delay(secs) => write!(f, "{}={}", self.disposition, show_duration(secs)),
            RetryAt::CallbackTime => write!(f, "{}=callback_at", self.disposition),
        }
    }
}

/// `4h`, `90m`, `30s`, `2d` or bare seconds.
fn parse_duration(text: &str) -> Option<u64> {
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = digits.parse().ok()?;
    let scale = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(scale)
}

fn show_duration(secs: u64) -> String {
    for (scale, unit) in [(86_400, "d"), (3600, "h"), (60, "m")] {
        if secs >= scale && secs.is_multiple_of(scale) {
            return format!("{}{unit}", secs / scale);
        }
    }
    format!("{secs}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_print_back() {
        for (text, at) in [
            ("voicemail=4h", RetryAt::Delay(4 * 3600)),
            ("busy_later=90m", RetryAt::Delay(90 * 60)),
            ("x=45", RetryAt::Delay(45)),
            ("x=2d", RetryAt::Delay(2 * 86_400)),
            ("callback=callback_at", RetryAt::CallbackTime),
        ] {
            let rule = DispositionRetry::parse(text).unwrap();
            assert_eq!(rule.at, at, "{text}");
            assert_eq!(DispositionRetry::parse(&rule.to_string()).unwrap(), rule);
        }
        assert_eq!(
            DispositionRetry::parse("voicemail=4h").unwrap().to_string(),
            "voicemail=4h"
        );
    }

    #[test]
    fn bad_rules_say_what_to_write() {
        for (text, says) in [
            ("voicemail", "NAME=WHEN"),
            ("=4h", "names no disposition"),
            ("voicemail=soon", "not a duration"),
            ("voicemail=4y", "not a duration"),
            ("voicemail=999d", "a retry may wait"),
        ] {
            let err = DispositionRetry::parse(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn names_match_whatever_the_case_and_punctuation() {
        let rule = DispositionRetry::parse("Call Back=callback_at").unwrap();
        assert!(rule.matches(&crate::domain::Disposition::new("call_back").unwrap()));
        assert!(rule.matches(&crate::domain::Disposition::new("CALLBACK").unwrap()));
        assert!(!rule.matches(&crate::domain::Disposition::new("voicemail").unwrap()));
    }
}
