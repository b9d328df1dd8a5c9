//! `switchboard trunks`: the LiveKit project's outbound SIP trunks (`ListSIPOutboundTrunk`,
//! every page), so the operator can pick the trunk id a campaign dials through; `trunks
//! create` and `trunks delete` manage them. Without LiveKit configured the listing shows
//! the embedded sandbox's trunks, and says so on stderr.
//!
//! A trunk's password is read from a file or stdin, never from the command line (where
//! `ps` would show it), and is printed nowhere.

use super::Context;
use crate::config::Secret;
use crate::sandbox::{self, SandboxConfig};
use crate::telephony::{
    LiveKitOptions, LiveKitTelephony, NewTrunk, Telephony, TrunkAuth, TrunkInfo, TrunkTransport,
};
use color_eyre::eyre::{bail, eyre, WrapErr};
use color_eyre::Result;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Lists, creates and deletes the outbound SIP trunks of the LiveKit project.
#[derive(Debug, clap::Args)]
pub struct TrunksArgs {
    #[command(subcommand)]
    pub action: Option<TrunksAction>,
    /// Print JSON (an array of {id, name, address, numbers}) instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum TrunksAction {
    /// Create an outbound SIP trunk (CreateSIPOutboundTrunk) and print its id
    Create(Box<CreateArgs>),
    /// Delete a trunk by its id (ST_...)
    Delete {
        /// The trunk's id, as `switchboard trunks` lists it
        id: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// A name to know the trunk by
    #[arg(long)]
    pub name: String,
    /// The carrier's SIP host or IP (no `sip:`), e.g. example.pstn.twilio.com
    #[arg(long)]
    pub address: String,
    /// Caller ids the trunk may present, E.164, comma-separated
    #[arg(long, value_delimiter = ',', required = true)]
    pub numbers: Vec<String>,
    /// Digest user for the carrier; the password comes from --auth-password-file or stdin
    #[arg(long)]
    pub auth_user: Option<String>,
    /// File holding the password (one line); without it the password is read from stdin
    #[arg(long, requires = "auth_user")]
    pub auth_password_file: Option<PathBuf>,
    /// How LiveKit reaches the carrier: udp, tcp or tls (default: LiveKit's choice)
    #[arg(long, default_value = "auto")]
    pub transport: TrunkTransport,
}

pub async fn run(ctx: &Context, args: TrunksArgs) -> Result<ExitCode> {
    match args.action {
        None => list_command(ctx, args.json).await,
        Some(TrunksAction::Create(create)) => create_command(ctx, *create, args.json).await,
        Some(TrunksAction::Delete { id }) => {
            let telephony = configured_livekit(ctx, "delete")?;
            telephony
                .delete_trunk(&id)
                .await
                .map_err(|e| eyre!("{e}"))
                .wrap_err_with(|| format!("deleting trunk {id} on {}", telephony.url()))?;
            println!("Deleted trunk {id}.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn livekit(url: &str, api_key: &str, api_secret: &str, timeout: Duration) -> LiveKitTelephony {
    let options = LiveKitOptions {
        request_timeout: timeout,
    };
    LiveKitTelephony::new(url, api_key, api_secret, options)
}

/// Creating or deleting needs a real project: the embedded sandbox would forget the
/// trunk the moment this command ends.
fn configured_livekit(ctx: &Context, verb: &str) -> Result<LiveKitTelephony> {
    match ctx.config.livekit_credentials()? {
        Some(lk) => Ok(livekit(
            lk.url,
            lk.api_key,
            lk.api_secret.expose(),
            Duration::from_secs(ctx.config.livekit.request_timeout_secs),
        )),
        None => bail!(
            "LiveKit is not configured, so there is no project to {verb} a trunk in: set LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET (or [livekit] in the config file)"
        ),
    }
}

async fn create_command(ctx: &Context, args: CreateArgs, json: bool) -> Result<ExitCode> {
    let auth = match &args.auth_user {
        Some(username) => {
            let password = match &args.auth_password_file {
                Some(path) => read_password_file(path)?,
                None => read_password_stdin()?,
            };
            Some(TrunkAuth {
                username: username.clone(),
                password,
            })
        }
        None => None,
    };
    let trunk = new_trunk(args, auth)?;
    let telephony = configured_livekit(ctx, "create")?;
    let created = telephony
        .create_trunk(&trunk)
        .await
        .map_err(|e| eyre!("{e}"))
        .wrap_err_with(|| format!("creating trunk {:?} on {}", trunk.name, telephony.url()))?;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", render_json(std::slice::from_ref(&created)))?;
    } else {
        writeln!(
            out,
            "Created trunk {} ({}); dial through it with `--trunk {}`.",
            created.id, created.name, created.id
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks what LiveKit would refuse, naming the flag.
fn new_trunk(args: CreateArgs, auth: Option<TrunkAuth>) -> Result<NewTrunk> {
    if args.name.trim().is_empty() {
        bail!("--name must not be empty");
    }
    let address = args.address.trim().to_string();
    if address.is_empty() || address.contains(char::is_whitespace) {
        bail!("--address must be the carrier's SIP host or IP, e.g. example.pstn.twilio.com");
    }
    if address.starts_with("sip:") || address.starts_with("sips:") {
        bail!("--address takes a host, not a SIP URI: drop the `sip:` from {address:?}");
    }
    let mut numbers = Vec::with_capacity(args.numbers.len());
    for number in &args.numbers {
        let number = number.trim();
        let digits = number.strip_prefix('+').unwrap_or("");
        if digits.len() < 7 || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            bail!("--numbers: {number:?} is not an E.164 number (write it like +15550001000)");
        }
        numbers.push(number.to_string());
    }
    Ok(NewTrunk {
        name: args.name.trim().to_string(),
        address,
        numbers,
        auth,
        transport: args.transport,
    })
}

fn read_password_file(path: &std::path::Path) -> Result<Secret> {
    let text = std::fs::read_to_string(path)
        .wrap_err_with(|| format!("reading the trunk password from {}", path.display()))?;
    let password = text.lines().next().unwrap_or("").to_string();
    if password.is_empty() {
        bail!(
            "{} is empty: put the trunk's password on its first line",
            path.display()
        );
    }
    Ok(Secret::new(password))
}

fn read_password_stdin() -> Result<Secret> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .wrap_err("reading the trunk password from stdin")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!("no password on stdin: pipe it in (`switchboard trunks create ... < password.txt`) or use --auth-password-file");
    }
    Ok(Secret::new(password))
}

async fn list_command(ctx: &Context, json: bool) -> Result<ExitCode> {
    let trunks = match ctx.config.livekit_credentials()? {
        Some(lk) => {
            let telephony = livekit(
                lk.url,
                lk.api_key,
                lk.api_secret.expose(),
                Duration::from_secs(ctx.config.livekit.request_timeout_secs),
            );
            list(&telephony)
                .await
                .wrap_err_with(|| format!("listing the outbound trunks of {}", lk.url))?
        }
        None => {
            let config: SandboxConfig = ctx
                .config
                .section("sandbox")
                .wrap_err("reading the [sandbox] table of the config file")?
                .unwrap_or_default();
            let sandbox = sandbox::start(config, ([127, 0, 0, 1], 0).into())
                .await
                .wrap_err("starting the embedded sandbox")?;
            eprintln!(
                "LiveKit is not configured (set LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET, or [livekit] in the config file): these are the embedded sandbox's trunks."
            );
            let telephony = LiveKitTelephony::new(
                &sandbox.url(),
                sandbox.api_key(),
                sandbox.api_secret(),
                LiveKitOptions::default(),
            );
            let trunks = list(&telephony)
                .await
                .wrap_err("listing the sandbox's trunks")?;
            sandbox.stopped().await;
            trunks
        }
    };
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", render_json(&trunks))?;
    } else if trunks.is_empty() {
        eprintln!("This LiveKit project has no outbound trunks: create one with `switchboard trunks create`, in the LiveKit dashboard or with `lk sip outbound create`.");
    } else {
        write!(out, "{}", render_table(&trunks))?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(telephony: &LiveKitTelephony) -> Result<Vec<TrunkInfo>> {
    // The error already says what is wrong and what to do; keep it one line.
    telephony.list_trunks().await.map_err(|e| eyre!("{e}"))
}

const HEADERS: [&str; 4] = ["ID", "NAME", "ADDRESS", "NUMBERS"];

/// Columns padded to their widest cell; numbers joined with ", ".
fn render_table(trunks: &[TrunkInfo]) -> String {
    let rows: Vec<[String; 4]> = trunks
        .iter()
        .map(|t| {
            [
                t.id.clone(),
                t.name.clone(),
                t.address.clone(),
                t.numbers.join(", "),
            ]
        })
        .collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let header = HEADERS.map(str::to_string);
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, width))| {
                if i + 1 == row.len() {
                    cell.clone()
                } else {
                    pad(cell, width)
                }
            })
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

fn pad(cell: &str, width: usize) -> String {
    let fill = width.saturating_sub(cell.chars().count());
    format!("{cell}{}", " ".repeat(fill))
}

fn render_json(trunks: &[TrunkInfo]) -> String {
    let items: Vec<serde_json::Value> = trunks
        .iter()
        .map(|t| serde_json::json!({ "id": t.id, "name": t.name, "address": t.address, "numbers": t.numbers }))
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trunks() -> Vec<TrunkInfo> {
        vec![
            TrunkInfo {
                id: "ST_abc123".into(),
                name: "Twilio US".into(),
                address: "example.pstn.twilio.com".into(),
                numbers: vec!["+15550001000".into(), "+15550001001".into()],
            },
            TrunkInfo {
                id: "ST_x".into(),
                name: "Telnyx".into(),
                address: "sip.telnyx.com".into(),
                numbers: vec![],
            },
        ]
    }

    #[test]
    fn the_table_aligns_columns_and_joins_numbers() {
        assert_eq!(
            render_table(&trunks()),
            "\
ID         NAME       ADDRESS                  NUMBERS
ST_abc123  Twilio US  example.pstn.twilio.com  +15550001000, +15550001001
ST_x       Telnyx     sip.telnyx.com
"
        );
    }

    #[test]
    fn json_lists_every_field() {
        let value: serde_json::Value = serde_json::from_str(&render_json(&trunks())).unwrap();
        assert_eq!(value[0]["id"], "ST_abc123");
        assert_eq!(value[0]["numbers"][1], "+15550001001");
        assert_eq!(value[1]["address"], "sip.telnyx.com");
        assert_eq!(value[1]["numbers"], serde_json::json!([]));
        assert_eq!(render_json(&[]), "[]");
    }
}
