//! `switchboard dnc add|import|list|remove`: the do-not-call lists, global or per
//! campaign. Numbers are normalised like imported leads, and adding one marks the
//! matching leads that are not in a call as `dnc` (a lead in a call is marked when the
//! call ends, and the engine checks the list right before every dial).

use super::engine_access::{writer, Access};
use super::Context;
use crate::domain::CampaignId;
use crate::engine::{Answer, Command, EngineError, Query, Reply};
use crate::import::{guess_delimiter, record_start_line, ColumnMap};
use crate::phone::{parse_region, PhoneNormalizer};
use color_eyre::eyre::{bail, eyre, WrapErr};
use color_eyre::Result;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Numbers written per database job while importing a list.
const BATCH: usize = 10_000;

#[derive(Debug, clap::Subcommand)]
pub enum DncArgs {
    /// Put numbers on the do-not-call list (global, or one campaign's with --campaign)
    Add(AddArgs),
    /// Add every number in a file: one per line, or a CSV with a phone column
    Import(ImportArgs),
    /// List the global list, or one campaign's with --campaign
    List(ListArgs),
    /// Take a number off a list
    Remove(RemoveArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct ListChoice {
    /// The campaign's own list instead of the global one
    #[arg(long, value_name = "ID")]
    pub campaign: Option<i64>,
    /// Region of numbers written without a country code [default: [engine] default_region]
    #[arg(long, value_name = "CC")]
    pub region: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Phone numbers, in any common format
    #[arg(required = true, value_name = "NUMBER")]
    pub numbers: Vec<String>,
    #[command(flatten)]
    pub list: ListChoice,
    /// Why (shown in `dnc list`)
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// One number per line, or a CSV whose header has a phone column
    pub file: PathBuf,
    #[command(flatten)]
    pub list: ListChoice,
    /// Why (shown in `dnc list`)
    #[arg(long)]
    pub reason: Option<String>,
    /// Header of the phone column in a CSV
    #[arg(long, value_name = "HEADER")]
    pub phone_column: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The campaign's own list instead of the global one
    #[arg(long, value_name = "ID")]
    pub campaign: Option<i64>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    /// The number to take off
    pub number: String,
    #[command(flatten)]
    pub list: ListChoice,
}

pub async fn run(ctx: &Context, args: DncArgs) -> Result<ExitCode> {
    // Through the running engine, or one held for this command.
    let access = writer(ctx).await?;
    match args {
        DncArgs::List(args) => list(&access, args).await,
        DncArgs::Add(args) => add(ctx, &access, args).await,
        DncArgs::Import(args) => import(ctx, &access, args).await,
        DncArgs::Remove(args) => remove(ctx, &access, args).await,
    }
}

impl ListChoice {
    fn normalizer(&self, ctx: &Context) -> Result<PhoneNormalizer> {
        let code = self
            .region
            .clone()
            .unwrap_or_else(|| ctx.config.engine.default_region.clone());
        Ok(PhoneNormalizer::new(
            parse_region(&code).map_err(|e| eyre!("--region: {e}"))?,
        ))
    }

    /// The campaign, checked to exist.
    async fn campaign(&self, access: &Access) -> Result<Option<CampaignId>> {
        let Some(id) = self.campaign.map(CampaignId) else {
            return Ok(None);
        };
        match access.query(Query::Campaign { campaign: id }).await {
            Ok(_) => Ok(Some(id)),
            Err(EngineError::NotFound { .. }) => {
                bail!("--campaign: campaign {id} does not exist; list campaigns with `switchboard campaign list`")
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Adds `numbers` to one list and marks matching leads; returns (added, leads marked).
async fn add_numbers(
    access: &Access,
    numbers: Vec<String>,
    campaign: Option<CampaignId>,
    reason: Option<String>,
) -> Result<(usize, usize)> {
    let command = Command::AddDnc {
        phones: numbers,
        campaign,
        reason,
    };
    match access.send(command).await.map_err(|e| eyre!("{e}"))? {
        Reply::DncAdded { added, marked } => Ok((added as usize, marked as usize)),
        other => Err(eyre!(
            "the engine answered {other:?} to a do-not-call addition"
        )),
    }
}

fn list_name(campaign: Option<CampaignId>) -> String {
    match campaign {
        Some(id) => format!("campaign {id}'s do-not-call list"),
        None => "the global do-not-call list".into(),
    }
}

async fn add(ctx: &Context, access: &Access, args: AddArgs) -> Result<ExitCode> {
    let normalizer = args.list.normalizer(ctx)?;
    let campaign = args.list.campaign(access).await?;
    let mut good = Vec::new();
    let mut bad = 0;
    for raw in &args.numbers {
        match normalizer.normalize(raw) {
            Ok(e164) => good.push(e164),
            Err(e) => {
                eprintln!("skipped {raw}: {e}");
                bad += 1;
            }
        }
    }
    let (added, marked) = add_numbers(access, good.clone(), campaign, args.reason).await?;
    eprintln!(
        "added {added} number{} to {} ({} already there); {marked} lead{} marked do-not-call",
        if added == 1 { "" } else { "s" },
        list_name(campaign),
        good.len() - added,
        if marked == 1 { "" } else { "s" },
    );
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn import(ctx: &Context, access: &Access, args: ImportArgs) -> Result<ExitCode> {
    let normalizer = args.list.normalizer(ctx)?;
    let campaign = args.list.campaign(access).await?;
    let bytes = std::fs::read(&args.file)
        .wrap_err_with(|| format!("cannot read {}", args.file.display()))?;
    if bytes.contains(&0) {
        bail!(
            "{} is not a text file; export the list as CSV or one number per line",
            args.file.display()
        );
    }
    let text =
        String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)).into_owned();
    let first_line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    // A first line that is a number means a plain list; otherwise it is a CSV header.
    let plain = args.phone_column.is_none() && normalizer.normalize(first_line).is_ok();
    // In a plain list each line is one field: split on a byte that never occurs.
    let delimiter = if plain {
        b'\x1f'
    } else {
        guess_delimiter(first_line.as_bytes())
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(!plain)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let phone_index = if plain {
        0
    } else {
        let headers = reader
            .headers()?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        ColumnMap::from_headers(headers, args.phone_column.as_deref())?.phone
    };
    let (mut added, mut marked, mut bad, mut read) = (0, 0, 0, 0);
    let mut batch = Vec::with_capacity(BATCH);
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record)? {
        let line = record_start_line(&record, reader.position().line());
        let record = csv::StringRecord::from_byte_record_lossy(record.clone());
        let raw = record.get(phone_index).unwrap_or("").trim();
        if raw.is_empty() && record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        read += 1;
        match normalizer.normalize(raw) {
            Ok(e164) => batch.push(e164),
            Err(e) => {
                eprintln!("line {line}: {e}");
                bad += 1;
            }
        }
        if batch.len() == BATCH {
            let (a, m) = add_numbers(
                access,
                std::mem::take(&mut batch),
                campaign,
                args.reason.clone(),
            )
            .await?;
            added += a;
            marked += m;
        }
    }
    let (a, m) = add_numbers(access, batch, campaign, args.reason.clone()).await?;
    added += a;
    marked += m;
    println!("added {added} of {read} numbers to {} ({bad} bad lines); {marked} leads marked do-not-call", list_name(campaign));
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn list(access: &Access, args: ListArgs) -> Result<ExitCode> {
    let campaign = args.campaign.map(CampaignId);
    let entries = match access.query(Query::DncList { campaign }).await {
        Ok(Answer::DncList(entries)) => entries,
        Ok(other) => bail!("the engine answered {other:?} to a do-not-call list query"),
        Err(e) => return Err(eyre!("{e}")),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        let all: Vec<_> = entries
            .iter()
            .map(|e| {
                serde_json::json!({
                    "phone": e.phone, "campaign": e.campaign, "reason": e.reason, "added_at": e.added_at,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &all)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    for e in &entries {
        writeln!(
            out,
            "{:<16}  {}  {}",
            e.phone,
            e.added_at.format("%Y-%m-%d %H:%M"),
            e.reason.as_deref().unwrap_or("")
        )?;
    }
    eprintln!(
        "{} number{} on {}",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        list_name(campaign)
    );
    Ok(ExitCode::SUCCESS)
}

async fn remove(ctx: &Context, access: &Access, args: RemoveArgs) -> Result<ExitCode> {
    let normalizer = args.list.normalizer(ctx)?;
    let phone = normalizer
        .normalize(&args.number)
        .map_err(|e| eyre!("{e}"))?;
    let campaign = args.list.campaign.map(CampaignId);
    let number = phone.clone();
    let command = Command::RemoveDnc {
        phone: number,
        campaign,
    };
    let removed = match access.send(command).await.map_err(|e| eyre!("{e}"))? {
        Reply::DncRemoved(removed) => removed,
        other => bail!("the engine answered {other:?} to a do-not-call removal"),
    };
    if !removed {
        eprintln!("{phone} is not on {}", list_name(campaign));
        return Ok(ExitCode::FAILURE);
    }
    eprintln!(
        "{phone} removed from {}; leads already marked do-not-call stay so",
        list_name(campaign)
    );
    Ok(ExitCode::SUCCESS)
}
