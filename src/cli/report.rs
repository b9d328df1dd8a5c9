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

fn render(report: &Report) -> String {
    let mut text = format!("error: {report}\n");
    for cause in report.chain().skip(1) {
        text.push_str(&format!("  caused by: {cause}\n"));
    }
    text
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
}
