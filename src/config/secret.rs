use serde::Deserialize;
use std::fmt;

/// A value that must never be shown: the LiveKit API secret. `Debug` and `Display`
/// print `***`, there is no `Serialize`, and the only way to the text is [`Secret::expose`],
/// which the code that signs tokens calls and nothing else should.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for signing. Never format it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_hides_the_value() {
        let secret = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{secret:?} {secret} {secret:#?}"), "*** *** ***");
        assert_eq!(secret.expose(), "hunter2-very-secret");
    }
}
