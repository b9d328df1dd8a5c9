use std::process::ExitCode;
use switchboard::cli;

#[tokio::main]
async fn main() -> ExitCode {
    cli::install_error_hooks();
    let cli = cli::parse_args();
    cli::exit_code(cli.run().await)
}
