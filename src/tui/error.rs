use super::keymap::KeymapError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum TuiError {
    #[error("the terminal failed: {0}")]
    Terminal(#[from] std::io::Error),
    #[error(transparent)]
    Keymap(#[from] KeymapError),
}
