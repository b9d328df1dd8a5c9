use super::env::NotUnicode;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why the configuration cannot be used. Every message names the file (and line, when
/// toml knows it) or the environment variable at fault.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A key or value in the file; `line` is 1-based.
    #[error("{}{}: {problem}", path.display(), line.map(|n| format!(" line {n}")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        problem: String,
    },

    #[error("{name}: {problem}")]
    InvalidVar { name: &'static str, problem: String },

    #[error(transparent)]
    NotUnicode(#[from] NotUnicode),

    /// Some of url, key and secret are set but not all: running the sandbox instead
    /// would surprise whoever set them.
    #[error(
        "LiveKit is only partly configured: {} missing; set it in [livekit] of {} or with {}, \
         or remove the other LiveKit settings to use the embedded sandbox",
        missing.join(" and "), path.display(), vars.join(" / ")
    )]
    PartialLiveKit {
        path: PathBuf,
        missing: Vec<&'static str>,
        vars: Vec<&'static str>,
    },
}

impl ConfigError {
    /// Turns toml's error into one line that names the file, the line, the dotted key
    /// and, for a misspelt key, the nearest known one.
    pub(crate) fn from_toml(path: &Path, text: &str, error: &toml::de::Error) -> Self {
        let line = error.span().map(|span| line_of(text, span.start));
        let problem = describe(error);
        ConfigError::Invalid {
            path: path.to_owned(),
            line,
            problem,
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn describe(error: &toml::de::Error) -> String {
    let message = error.message();
    let parent = key_path(error);
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (unknown, known) = rest.split_once('`').unwrap_or((rest, ""));
        let known = quoted_words(known);
        let full = match &parent {
            Some(parent) => format!("{parent}.{unknown}"),
            None => unknown.to_owned(),
        };
        let what = if parent.is_none() { "section" } else { "key" };
        return match closest(unknown, &known) {
            Some(near) => format!("unknown {what} `{full}` (did you mean `{near}`?)"),
            None if known.is_empty() => format!("unknown {what} `{full}`"),
            None => format!("unknown {what} `{full}` (known: {})", known.join(", ")),
        };
    }
    match parent {
        Some(key) => format!("bad value for `{key}`: {message}"),
        None => format!("not valid TOML: {message}"),
    }
}

/// The dotted key the error is about. toml keeps it private but prints it as
/// "in `a.b`" when it has no source text to point into, so ask for that rendering.
fn key_path(error: &toml::de::Error) -> Option<String> {
    let mut bare = error.clone();
    bare.set_input(None);
    let rendered = bare.to_string();
    let line = rendered
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("in `"))?;
    line.strip_suffix('`').map(str::to_owned)
}

/// The words between backticks, e.g. from "expected one of `url`, `api_key`".
fn quoted_words(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The known key a typo most likely meant: compared whole and by its `_` parts, so
/// `secrt` finds `api_secret` and `timout` finds `request_timeout_secs`.
/// The known name nearest to `typo`, if one is near enough to be what was meant.
pub(crate) fn closest(typo: &str, known: &[String]) -> Option<String> {
    let typo = typo.to_ascii_lowercase();
    let allowed = (typo.chars().count() / 3).max(1);
    known
        .iter()
        .filter_map(|candidate| {
            let parts = std::iter::once(candidate.as_str()).chain(candidate.split('_'));
            let best = parts.map(|part| edit_distance(&typo, part)).min()?;
            (best <= allowed).then_some((best, candidate))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.clone())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn typos_find_the_key_they_meant() {
        let livekit = words(&[
            "url",
            "api_key",
            "api_secret",
            "room_prefix",
            "request_timeout_secs",
        ]);
        assert_eq!(closest("secrt", &livekit).as_deref(), Some("api_secret"));
        assert_eq!(
            closest("timout", &livekit).as_deref(),
            Some("request_timeout_secs")
        );
        assert_eq!(closest("URL", &livekit).as_deref(), Some("url"));
        assert_eq!(closest("colour", &livekit), None);
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn lines_are_one_based() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }
}
