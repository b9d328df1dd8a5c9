//! `switchboard trunks`: the LiveKit project's outbound SIP trunks (`ListSIPOutboundTrunk`),
//! so the operator can pick the trunk id a campaign dials through. Without LiveKit
//! configured it lists the embedded sandbox's trunks, and says so on stderr.

use super::Context;
use crate::sandbox::{self, SandboxConfig};
use crate::telephony::{LiveKitOptions, LiveKitTelephony, Telephony, TrunkInfo};
use color_eyre::eyre::{eyre, WrapErr};
use color_eyre::Result;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// Lists the outbound SIP trunks of the LiveKit project.
#[derive(Debug, clap::Args)]
pub struct TrunksArgs {
    /// Print JSON (an array of {id, name, address, numbers}) instead of a table
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Context, args: TrunksArgs) -> Result<ExitCode> {
    let trunks = match ctx.config.livekit_credentials()? {
        Some(lk) => {
            let options = LiveKitOptions {
                request_timeout: Duration::from_secs(ctx.config.livekit.request_timeout_secs),
            };
            let telephony =
                LiveKitTelephony::new(lk.url, lk.api_key, lk.api_secret.expose(), options);
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
    if args.json {
        writeln!(out, "{}", render_json(&trunks))?;
    } else if trunks.is_empty() {
        eprintln!("This LiveKit project has no outbound trunks: create one in the LiveKit dashboard or with `lk sip outbound create`.");
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
