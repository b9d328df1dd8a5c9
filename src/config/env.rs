use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use thiserror::Error;

/// Path of the config file, under `--config`.
pub const CONFIG_VAR: &str = "SWITCHBOARD_CONFIG";
/// Path of the SQLite database, under `--db`.
pub const DB_VAR: &str = "SWITCHBOARD_DB";
/// Log filter (`RUST_LOG` syntax), over `RUST_LOG` and `[log] level`.
pub const LOG_VAR: &str = "SWITCHBOARD_LOG";
pub const RUST_LOG_VAR: &str = "RUST_LOG";
pub const LIVEKIT_URL_VAR: &str = "LIVEKIT_URL";
pub const LIVEKIT_API_KEY_VAR: &str = "LIVEKIT_API_KEY";
pub const LIVEKIT_API_SECRET_VAR: &str = "LIVEKIT_API_SECRET";
/// <https://no-color.org>: any non-empty value turns colours off.
pub const NO_COLOR_VAR: &str = "NO_COLOR";

/// The token the HTTP API's TCP listener requires.
pub const API_TOKEN_VAR: &str = "SWITCHBOARD_API_TOKEN";
/// Where the engine's local socket lives (default: `$XDG_RUNTIME_DIR`, else a private
/// folder in the temp dir).
pub const RUNTIME_DIR_VAR: &str = "SWITCHBOARD_RUNTIME_DIR";

/// Every variable Switchboard reads.
pub const KNOWN_VARS: [&str; 10] = [
    CONFIG_VAR,
    DB_VAR,
    LOG_VAR,
    RUST_LOG_VAR,
    LIVEKIT_URL_VAR,
    LIVEKIT_API_KEY_VAR,
    LIVEKIT_API_SECRET_VAR,
    NO_COLOR_VAR,
    API_TOKEN_VAR,
    RUNTIME_DIR_VAR,
];

/// The environment variables Switchboard reads, captured once so that resolving paths
/// and config is a function of its inputs: tests pass a map instead of changing the
/// process environment. An empty value counts as unset.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<&'static str, OsString>,
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error("environment variable {name} is not valid UTF-8")]
pub struct NotUnicode {
    pub name: &'static str,
}

impl Env {
    /// Reads the [`KNOWN_VARS`] from this process.
    pub fn from_process() -> Self {
        Self::from_pairs(
            KNOWN_VARS
                .iter()
                .filter_map(|name| Some((*name, std::env::var_os(name)?))),
        )
    }

    /// An environment made of these pairs; names Switchboard does not read are ignored.
    pub fn from_pairs<V: Into<OsString>>(
        pairs: impl IntoIterator<Item = (&'static str, V)>,
    ) -> Self {
        let vars = pairs
            .into_iter()
            .filter(|(name, _)| KNOWN_VARS.contains(name))
            .map(|(name, value)| (name, value.into()))
            .filter(|(_, value)| !value.is_empty())
            .collect();
        Self { vars }
    }

    pub fn path(&self, name: &'static str) -> Option<PathBuf> {
        self.vars.get(name).map(PathBuf::from)
    }

    pub fn text(&self, name: &'static str) -> Result<Option<String>, NotUnicode> {
        match self.vars.get(name) {
            None => Ok(None),
            Some(value) => value
                .to_str()
                .map(|s| Some(s.to_owned()))
                .ok_or(NotUnicode { name }),
        }
    }

    pub fn is_set(&self, name: &'static str) -> bool {
        self.vars.contains_key(name)
    }
}

/// Names only: the values include the API secret.
impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.vars.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_unknown_variables_count_as_unset() {
        let env = Env::from_pairs([
            (DB_VAR, ""),
            ("HOME", "/root"),
            (CONFIG_VAR, "/etc/sb.toml"),
        ]);
        assert!(!env.is_set(DB_VAR));
        assert_eq!(env.path(CONFIG_VAR), Some(PathBuf::from("/etc/sb.toml")));
        assert_eq!(format!("{env:?}"), r#"{"SWITCHBOARD_CONFIG"}"#);
    }

    #[test]
    fn debug_never_shows_values() {
        let env = Env::from_pairs([(LIVEKIT_API_SECRET_VAR, "s3cr3t")]);
        assert!(!format!("{env:?}").contains("s3cr3t"));
        assert_eq!(env.text(LIVEKIT_API_SECRET_VAR), Ok(Some("s3cr3t".into())));
    }
}
