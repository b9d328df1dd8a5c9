//! How a failed command looks to the user: `error: <message>` and one `caused by:` line
//! per underlying cause, never a Debug dump or a backtrace unless asked for.

use super::Cli;
use clap::Parser;
use color_eyre::Report;
use std::process::ExitCode;

/// Parses the command line. `--help` and `--version` print and exit 0; a usage error
/// prints its message (and clap's tip, if any) without the usage block and exits 2.
pub fn parse_args() -> Cli {
    Cli::try_parse().unwrap_or_else(|error| {
        if !error.use_stderr() {
            error.exit();
        }
        eprint!("{}", usage_error(&error.render().to_string()));
        std::process::exit(error.exit_code());
    })
}

/// clap's message up to its "Usage:" block, blank lines dropped.
fn usage_error(rendered: &str) -> String {
    rendered
        .lines()
        .take_while(|line| !line.starts_with("Usage:"))
        .filter(|line| !line.trim().is_empty())
        .map(|line| format!("{line}\n"))
        .collect()
}

/// color-eyre's hooks, without the environment-variable hints in panic reports.
/// (`RUST_BACKTRACE=1` still gives a backtrace for a panic.)
pub fn install_error_hooks() {
    // Fails only if hooks are already installed, which leaves them working.
    let _ = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .install();
}

/// The process exit code for a command's outcome, printing the error if there is one.
pub fn exit_code(outcome: Result<ExitCode, Report>) -> ExitCode {
    match outcome {
        Ok(code) => code,
        Err(report) => {
            // Not `eprint!`: with stderr gone it would panic and turn a failure into
            // an abort. The error is in the log either way.
            let _ = std::io::Write::write_all(&mut std::io::stderr(), render(&report).as_bytes());
            ExitCode::FAILURE
        }
    }
}

/// Many errors already end with their cause (`cannot open X: permission denied`), and
/// their `source()` is that same cause again: a cause whose text was already printed
/// is left out, so each line says something new.
fn render(report: &Report) -> String {
    let mut lines = distinct_chain(report).into_iter();
    let mut text = format!("error: {}\n", lines.next().unwrap_or_default());
    for cause in lines {
        text.push_str(&format!("  caused by: {cause}\n"));
    }
    text
}

/// The report's message and its causes, one line for the log file.
pub fn one_line(report: &Report) -> String {
    distinct_chain(report).join(": ")
}

/// The message, then each cause whose text is not already in a line before it.
fn distinct_chain(report: &Report) -> Vec<String> {
    let mut shown: Vec<String> = Vec::new();
    for cause in report.chain() {
        let cause = cause.to_string();
        if !shown.iter().any(|line| line.contains(&cause)) {
            shown.push(cause);
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use color_eyre::eyre::{eyre, WrapErr};

    #[test]
    fn usage_errors_keep_the_message_and_tip_but_not_the_usage_block() {
        let rendered = "error: unrecognized subcommand 'pahts'\n\n  tip: a similar subcommand exists: 'paths'\n\n\
                        Usage: switchboard [OPTIONS] [COMMAND]\n\nFor more information, try '--help'.\n";
        assert_eq!(
            usage_error(rendered),
            "error: unrecognized subcommand 'pahts'\n  tip: a similar subcommand exists: 'paths'\n"
        );
    }

    #[test]
    fn causes_follow_the_message_one_per_line() {
        let report = Err::<(), _>(eyre!("permission denied"))
            .wrap_err("cannot read config file /etc/switchboard/config.toml")
            .unwrap_err();
        assert_eq!(
            render(&report),
            "error: cannot read config file /etc/switchboard/config.toml\n  caused by: permission denied\n"
        );
    }

    /// An error that prints its source in its own message and also returns it.
    #[derive(Debug, thiserror::Error)]
    #[error("cannot create the database folder /srv: {source}")]
    struct Embeds {
        #[source]
        source: std::io::Error,
    }

    #[test]
    fn a_cause_already_in_the_message_above_is_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory");
        let report = Err::<(), _>(Embeds { source: io })
            .wrap_err("opening the database /srv/x.db")
            .unwrap_err();
        assert_eq!(
            render(&report),
            "error: opening the database /srv/x.db\n  caused by: cannot create the database folder /srv: not a directory\n"
        );
    }
}
