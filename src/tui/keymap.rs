//! Keys to actions, per mode. The defaults are compiled in from assets/keymap.toml and
//! the user's `[keys]` table is merged over them; the same map answers "which keys does
//! this action have" for the hint bar and the help overlay, so what they show is what
//! works.

use super::action::{Action, Mode};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;
use thiserror::Error;

const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// A key with its modifiers, as written in config (`ctrl-d`, `G`, `backtab`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    code: KeyCodeName,
    ctrl: bool,
    alt: bool,
}

/// `KeyCode` is not `Ord`; this is the subset a binding can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCodeName {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    F(u8),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeymapError {
    #[error("[keys] {action}: unknown action{}; list every action and its keys with `switchboard keys`", near.as_ref().map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default())]
    UnknownAction {
        action: String,
        /// The action name nearest to the one written.
        near: Option<String>,
    },
    #[error("[keys] {action} = \"{key}\": `{key}` is not a key name (try \"s\", \"ctrl-d\", \"enter\", \"pagedown\")")]
    BadKey { action: String, key: String },
    #[error("[keys] {action}: no key given")]
    NoKey { action: String },
    #[error("key `{key}` is bound to both `{first}` and `{second}` in the {mode}; give one of them another key under [keys]")]
    Clash {
        key: String,
        first: String,
        second: String,
        mode: &'static str,
    },
}

impl Key {
    pub fn parse(text: &str) -> Option<Key> {
        let text = text.trim().trim_start_matches('<').trim_end_matches('>');
        let (mut ctrl, mut alt) = (false, false);
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.chars().count() > 2 && lower.starts_with("ctrl-") {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.chars().count() > 2 && lower.starts_with("alt-") {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let code = if rest.chars().count() == 1 {
            let c = rest.chars().next()?;
            // Control chords arrive lowercase from terminals.
            KeyCodeName::Char(if ctrl { c.to_ascii_lowercase() } else { c })
        } else {
            match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCodeName::Enter,
                "esc" | "escape" => KeyCodeName::Esc,
                "tab" => KeyCodeName::Tab,
                "backtab" | "shift-tab" => KeyCodeName::BackTab,
                "backspace" => KeyCodeName::Backspace,
                "delete" | "del" => KeyCodeName::Delete,
                "space" => KeyCodeName::Char(' '),
                "up" => KeyCodeName::Up,
                "down" => KeyCodeName::Down,
                "left" => KeyCodeName::Left,
                "right" => KeyCodeName::Right,
                "pageup" | "pgup" => KeyCodeName::PageUp,
                "pagedown" | "pgdn" => KeyCodeName::PageDown,
                "home" => KeyCodeName::Home,
                "end" => KeyCodeName::End,
                f if f.starts_with('f') => {
                    let n: u8 = f[1..].parse().ok()?;
                    if !(1..=12).contains(&n) {
                        return None;
                    }
                    KeyCodeName::F(n)
                }
                _ => return None,
            }
        };
        Some(Key { code, ctrl, alt })
    }

    /// The key a terminal event is, if a binding could name it.
    pub fn from_event(event: &KeyEvent) -> Option<Key> {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let alt = event.modifiers.contains(KeyModifiers::ALT);
        let code = match event.code {
            KeyCode::Char(c) => KeyCodeName::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            KeyCode::Enter => KeyCodeName::Enter,
            KeyCode::Esc => KeyCodeName::Esc,
            KeyCode::Tab if event.modifiers.contains(KeyModifiers::SHIFT) => KeyCodeName::BackTab,
            KeyCode::Tab => KeyCodeName::Tab,
            KeyCode::BackTab => KeyCodeName::BackTab,
            KeyCode::Backspace => KeyCodeName::Backspace,
            KeyCode::Delete => KeyCodeName::Delete,
            KeyCode::Up => KeyCodeName::Up,
            KeyCode::Down => KeyCodeName::Down,
            KeyCode::Left => KeyCodeName::Left,
            KeyCode::Right => KeyCodeName::Right,
            KeyCode::PageUp => KeyCodeName::PageUp,
            KeyCode::PageDown => KeyCodeName::PageDown,
            KeyCode::Home => KeyCodeName::Home,
            KeyCode::End => KeyCodeName::End,
            KeyCode::F(n) => KeyCodeName::F(n),
            _ => return None,
        };
        Some(Key { code, ctrl, alt })
    }

    /// The crossterm event this key produces, for tests and the headless driver.
    pub fn to_event(self) -> KeyEvent {
        let mut modifiers = KeyModifiers::NONE;
        if self.ctrl {
            modifiers |= KeyModifiers::CONTROL;
        }
        if self.alt {
            modifiers |= KeyModifiers::ALT;
        }
        let code = match self.code {
            KeyCodeName::Char(c) => KeyCode::Char(c),
            KeyCodeName::Enter => KeyCode::Enter,
            KeyCodeName::Esc => KeyCode::Esc,
            KeyCodeName::Tab => KeyCode::Tab,
            KeyCodeName::BackTab => KeyCode::BackTab,
            KeyCodeName::Backspace => KeyCode::Backspace,
            KeyCodeName::Delete => KeyCode::Delete,
            KeyCodeName::Up => KeyCode::Up,
            KeyCodeName::Down => KeyCode::Down,
            KeyCodeName::Left => KeyCode::Left,
            KeyCodeName::Right => KeyCode::Right,
            KeyCodeName::PageUp => KeyCode::PageUp,
            KeyCodeName::PageDown => KeyCode::PageDown,
            KeyCodeName::Home => KeyCode::Home,
            KeyCodeName::End => KeyCode::End,
            KeyCodeName::F(n) => KeyCode::F(n),
        };
        KeyEvent::new(code, modifiers)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCodeName::Char(' ') => f.write_str("space"),
            KeyCodeName::Char(c) => write!(f, "{c}"),
            KeyCodeName::Enter => f.write_str("enter"),
            KeyCodeName::Esc => f.write_str("esc"),
            KeyCodeName::Tab => f.write_str("tab"),
            KeyCodeName::BackTab => f.write_str("shift-tab"),
            KeyCodeName::Backspace => f.write_str("backspace"),
            KeyCodeName::Delete => f.write_str("del"),
            KeyCodeName::Up => f.write_str("↑"),
            KeyCodeName::Down => f.write_str("↓"),
            KeyCodeName::Left => f.write_str("←"),
            KeyCodeName::Right => f.write_str("→"),
            KeyCodeName::PageUp => f.write_str("pgup"),
            KeyCodeName::PageDown => f.write_str("pgdn"),
            KeyCodeName::Home => f.write_str("home"),
            KeyCodeName::End => f.write_str("end"),
            KeyCodeName::F(n) => write!(f, "f{n}"),
        }
    }
}

/// The active bindings.
#[derive(Debug, Clone)]
pub struct Keymap {
    by_mode: BTreeMap<Mode, BTreeMap<Key, Action>>,
    /// Keys of each action in the order written, for hints and help.
    keys: BTreeMap<Action, Vec<Key>>,
}

impl Keymap {
    /// The compiled-in defaults.
    pub fn defaults() -> Keymap {
        // The default file is part of the build and covered by a test; an error in it
        // is a bug in this crate, not something a user can fix.
        match Self::with_overrides(&BTreeMap::new()) {
            Ok(map) => map,
            Err(e) => panic!("assets/keymap.toml is broken: {e}"),
        }
    }

    /// The defaults with `overrides` (config `[keys]`: action name -> keys) over them.
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> Result<Keymap, KeymapError> {
        let defaults: BTreeMap<String, String> =
            toml::from_str(DEFAULT_KEYMAP).map_err(|e| KeymapError::BadKey {
                action: "assets/keymap.toml".into(),
                key: e.to_string(),
            })?;
        let mut keys = BTreeMap::new();
        for (name, spec) in defaults.iter().chain(overrides) {
            let action = Action::from_name(name).ok_or_else(|| {
                let names: Vec<String> = Action::ALL.iter().map(|a| a.name()).collect();
                KeymapError::UnknownAction {
                    action: name.clone(),
                    near: crate::config::closest_name(name, &names),
                }
            })?;
            keys.insert(action, parse_keys(name, spec)?);
        }
        let mut by_mode: BTreeMap<Mode, BTreeMap<Key, Action>> = BTreeMap::new();
        for (action, action_keys) in &keys {
            for mode in action.modes() {
                let map = by_mode.entry(*mode).or_default();
                for key in action_keys {
                    if let Some(other) = map.insert(*key, *action) {
                        if other != *action {
                            return Err(KeymapError::Clash {
                                key: key.to_string(),
                                first: other.name(),
                                second: action.name(),
                                mode: mode.name(),
                            });
                        }
                    }
                }
            }
        }
        Ok(Keymap { by_mode, keys })
    }

    pub fn action(&self, mode: Mode, event: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(event)?;
        self.by_mode.get(&mode)?.get(&key).copied()
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.keys.get(&action).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first key of `action`, as shown in hints (`?`), or nothing when unbound.
    pub fn hint(&self, action: Action) -> Option<String> {
        self.keys(action).first().map(Key::to_string)
    }

    /// Every key of `action`, for the help overlay: `j ↓`.
    pub fn all_keys_text(&self, action: Action) -> String {
        self.keys(action)
            .iter()
            .map(Key::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn parse_keys(action: &str, spec: &str) -> Result<Vec<Key>, KeymapError> {
    let keys = spec
        .split_whitespace()
        .map(|k| {
            Key::parse(k).ok_or_else(|| KeymapError::BadKey {
                action: action.into(),
                key: k.into(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(KeymapError::NoKey {
            action: action.into(),
        });
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overrides(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, k)| (a.to_string(), k.to_string()))
            .collect()
    }

    #[test]
    fn defaults_bind_the_documented_keys() {
        let map = Keymap::defaults();
        let press = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(map.action(Mode::Normal, &press('s')), Some(Action::Start));
        assert_eq!(map.action(Mode::Normal, &press('r')), Some(Action::Resume));
        assert_eq!(
            map.action(Mode::Detail, &press('r')),
            Some(Action::RetryNow)
        );
        assert_eq!(map.action(Mode::Normal, &press('G')), Some(Action::Bottom));
        assert_eq!(
            map.action(Mode::Normal, &press('4')),
            Some(Action::FocusTimeline)
        );
        let shift_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(
            map.action(Mode::Normal, &shift_tab),
            Some(Action::FocusPrev)
        );
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(map.action(Mode::Normal, &ctrl_c), Some(Action::Quit));
    }

    #[test]
    fn user_keys_replace_the_defaults_of_that_action() {
        let map = Keymap::with_overrides(&overrides(&[("stop", "ctrl-x"), ("down", "J")])).unwrap();
        let ctrl_x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::CONTROL);
        assert_eq!(map.action(Mode::Normal, &ctrl_x), Some(Action::Stop));
        let x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
        assert_eq!(map.action(Mode::Normal, &x), None);
        assert_eq!(map.hint(Action::Stop).as_deref(), Some("ctrl-x"));
        assert_eq!(map.all_keys_text(Action::Down), "J");
    }

    #[test]
    fn two_actions_on_one_key_name_both() {
        let err = Keymap::with_overrides(&overrides(&[("pause", "s")])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`pause`") && text.contains("`start`"),
            "{text}"
        );
        assert!(text.contains("main screen"), "{text}");
        // Same key in different modes is fine: `r` resumes, and retries in the popup.
        assert!(Keymap::with_overrides(&overrides(&[("retry_now", "r")])).is_ok());
    }

    #[test]
    fn bad_names_and_keys_say_what_is_wrong() {
        let err = Keymap::with_overrides(&overrides(&[("launch", "l")])).unwrap_err();
        assert_eq!(
            err,
            KeymapError::UnknownAction {
                action: "launch".into(),
                near: None,
            }
        );
        let err = Keymap::with_overrides(&overrides(&[("hangup", "H")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "[keys] hangup: unknown action (did you mean `hang_up`?); list every action and its keys with `switchboard keys`"
        );
        let err = Keymap::with_overrides(&overrides(&[("stop", "ctrl-banana")])).unwrap_err();
        assert!(err.to_string().contains("ctrl-banana"));
        assert!(matches!(
            Keymap::with_overrides(&overrides(&[("stop", "  ")])),
            Err(KeymapError::NoKey { .. })
        ));
    }

    #[test]
    fn keys_round_trip_through_their_names() {
        for text in [
            "s",
            "G",
            "ctrl-d",
            "enter",
            "shift-tab",
            "f5",
            "space",
            "alt-x",
            "pagedown",
        ] {
            let key = Key::parse(text).unwrap();
            assert_eq!(Key::from_event(&key.to_event()), Some(key), "{text}");
        }
    }
}
