//! `switchboard completions <SHELL>`: the shell's completion script, generated from the
//! clap definitions, on stdout. It reads no config file and opens no database, so it
//! works anywhere the binary does (e.g. while packaging).

use super::Cli;
use clap::CommandFactory;
use clap_complete::Shell;
use color_eyre::Result;
use std::process::ExitCode;

/// Prints a completion script for a shell.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete in (the README says where each one's script goes)
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs) -> Result<ExitCode> {
    let script = script(args.shell);
    super::print_generated(&script, "the completion script")?;
    Ok(ExitCode::SUCCESS)
}

/// The script, rendered in memory: `clap_complete::generate` panics if it cannot write.
fn script(shell: Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut script);
    script
}
