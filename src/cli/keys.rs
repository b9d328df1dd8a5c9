//! `switchboard keys`: every console action by the name `[keys]` takes, with its keys
//! (the config's over the defaults) and where it works; what a bad `[keys]` entry
//! points to.

use super::Context;
use crate::tui::action::Action;
use crate::tui::{strings, Keymap};
use color_eyre::Result;
use std::io::Write;
use std::process::ExitCode;

/// Lists the console's actions: the names `[keys]` in config.toml binds.
#[derive(Debug, clap::Args)]
pub struct KeysArgs {}

pub async fn run(ctx: &Context, _args: KeysArgs) -> Result<ExitCode> {
    // A broken [keys] table is what sends people here: show the defaults, say so.
    let keymap = match Keymap::with_overrides(&ctx.config.keys) {
        Ok(map) => map,
        Err(e) => {
            eprintln!(
                "{}: {e}; the defaults are shown",
                ctx.paths.config_file.display()
            );
            Keymap::defaults()
        }
    };
    let rows: Vec<(String, String, &str, String)> = Action::ALL
        .iter()
        .map(|&action| {
            let modes: Vec<&str> = action.modes().iter().map(|m| m.name()).collect();
            (
                action.name(),
                keymap.all_keys_text(action),
                strings::action_label(action),
                modes.join(", "),
            )
        })
        .collect();
    let width = |pick: fn(&(String, String, &str, String)) -> usize| {
        rows.iter().map(pick).max().unwrap_or(0) + 2
    };
    let (name_w, keys_w, label_w) = (
        width(|r| r.0.chars().count()),
        width(|r| r.1.chars().count()),
        width(|r| r.2.chars().count()),
    );
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<name_w$}{:<keys_w$}{:<label_w$}where",
        "action", "keys", "does"
    )?;
    for (name, keys, label, modes) in rows {
        writeln!(
            out,
            "{name:<name_w$}{keys:<keys_w$}{label:<label_w$}{modes}"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
