//! `switchboard leads list` and `leads search TEXT`: pages of leads found through the
//! engine (`Query::LeadSearch`), as a table that fits 80 columns or as JSON.
//!
//! Exit codes: `list` exits 0 even when the page is empty (an empty campaign is an
//! answer); `search` exits 1 when nothing matches, like grep, so a script can ask
//! "is this number in a campaign?" with the exit code alone.

use super::engine_access::{writer, Access};
use super::Context;
use crate::domain::{CampaignId, LeadId, LeadState, Outcome};
use crate::engine::{Answer, EngineError, Query, MAX_PAGE};
use crate::store::lead_search::{LeadPage, LeadRow};
use chrono::{DateTime, Utc};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use color_eyre::eyre::{bail, eyre};
use color_eyre::Result;
use std::io::Write;
use std::process::ExitCode;

/// Exit code of a search that found nothing.
const NOTHING_FOUND: u8 = 1;

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Campaign whose leads to list
    #[arg(long, value_name = "ID")]
    pub campaign: i64,
    #[command(flatten)]
    pub page: PageArgs,
}

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// A part of the number (`+44 20` is a prefix, `7946 0958` any run of its digits),
    /// of the name or of any variable's value; any case
    pub text: String,
    /// Only this campaign [default: every campaign]
    #[arg(long, value_name = "ID")]
    pub campaign: Option<i64>,
    #[command(flatten)]
    pub page: PageArgs,
}

#[derive(Debug, clap::Args)]
pub struct PageArgs {
    /// Only leads in this state
    #[arg(long, value_name = "STATE", value_parser = state_parser())]
    pub state: Option<LeadState>,
    /// Only leads whose last call ended so
    #[arg(long, value_name = "OUTCOME", value_parser = outcome_parser())]
    pub outcome: Option<Outcome>,
    /// Leads on the page (1 to 1000)
    #[arg(long, value_name = "N", default_value_t = 50,
          value_parser = clap::value_parser!(u16).range(1..=MAX_PAGE as i64))]
    pub limit: u16,
    /// Start after this lead id (the `next` of the previous page)
    #[arg(long, value_name = "LEAD_ID")]
    pub after: Option<i64>,
    /// Print JSON: `{"leads": [...], "next": ID or null}`
    #[arg(long)]
    pub json: bool,
}

/// Lead states by name; clap lists them when one is mistyped.
fn state_parser() -> impl TypedValueParser<Value = LeadState> {
    PossibleValuesParser::new(LeadState::ALL.iter().map(|s| s.as_str()))
        .try_map(|name| name.parse::<LeadState>())
}

fn outcome_parser() -> impl TypedValueParser<Value = Outcome> {
    PossibleValuesParser::new(Outcome::ALL.iter().map(|o| o.as_str()))
        .try_map(|name| name.parse::<Outcome>())
}

pub async fn list(ctx: &Context, args: ListArgs) -> Result<ExitCode> {
    let access = writer(ctx).await?;
    let page = search(&access, Some(args.campaign), None, &args.page).await?;
    print(&page, &args.page)?;
    Ok(ExitCode::SUCCESS)
}

pub async fn search_text(ctx: &Context, args: SearchArgs) -> Result<ExitCode> {
    if args.text.trim().is_empty() {
        bail!("TEXT is empty: give a part of a number, a name or a variable's value, or list a campaign's leads with `switchboard leads list --campaign ID`");
    }
    let access = writer(ctx).await?;
    let page = search(&access, args.campaign, Some(args.text), &args.page).await?;
    print(&page, &args.page)?;
    Ok(if page.rows.is_empty() {
        ExitCode::from(NOTHING_FOUND)
    } else {
        ExitCode::SUCCESS
    })
}

async fn search(
    access: &Access,
    campaign: Option<i64>,
    text: Option<String>,
    page: &PageArgs,
) -> Result<LeadPage> {
    let query = Query::LeadSearch {
        campaign: campaign.map(CampaignId),
        text,
        state: page.state,
        outcome: page.outcome,
        after: page.after.map(LeadId),
        limit: page.limit as usize,
    };
    match access.query(query).await {
        Ok(Answer::LeadPage(page)) => Ok(page),
        Ok(other) => bail!("the engine answered {other:?} to a lead search"),
        Err(EngineError::NotFound { what }) => Err(eyre!(
            "{what} does not exist; list campaigns with `switchboard campaign list`"
        )),
        Err(other) => Err(eyre!("{other}")),
    }
}

fn print(page: &LeadPage, args: &PageArgs) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if args.json {
        let json = serde_json::json!({ "leads": page.rows, "next": page.next });
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
        return Ok(());
    }
    if page.rows.is_empty() {
        eprintln!("no leads found");
        return Ok(());
    }
    writeln!(out, "{}", header())?;
    let now = Utc::now();
    for row in &page.rows {
        writeln!(out, "{}", line(row, now))?;
    }
    if let Some(next) = page.next {
        eprintln!("more: add --after {next}");
    }
    Ok(())
}

/// The table's columns, 78 characters at most: the rest (next retry, variables, every
/// call) is in `--json` and `switchboard leads show LEAD_ID`.
fn header() -> String {
    format!(
        "{:>7} {:>3} {:<15} {:<14} {:<10} {:>2} {:<14} {}",
        "ID", "CMP", "PHONE", "NAME", "STATE", "N", "LAST OUTCOME", "AT"
    )
}

fn line(row: &LeadRow, now: DateTime<Utc>) -> String {
    format!(
        "{:>7} {:>3} {:<15} {:<14} {:<10} {:>2} {:<14} {}",
        row.lead.0,
        row.campaign.0,
        row.phone,
        fit(row.name.as_deref().unwrap_or("-"), 14),
        row.state.as_str(),
        row.attempts,
        row.last_outcome.map_or("-", Outcome::as_str),
        row.last_attempt_at.map_or("-".into(), |at| when(at, now)),
    )
}

/// `14:03` today, `Dec 07` before (UTC, as the rest of the CLI).
fn when(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if at.date_naive() == now.date_naive() {
        at.format("%H:%M").to_string()
    } else {
        at.format("%b %d").to_string()
    }
}

/// `text` cut to `width` characters, with `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::from_millis;

    #[test]
    fn a_row_fits_80_columns_at_its_widest() {
        let row = LeadRow {
            lead: LeadId(9_999_999),
            campaign: CampaignId(999),
            phone: "+44207946095812".into(),
            name: Some("Maximiliana Featherstonehaugh".into()),
            state: LeadState::RetryWait,
            attempts: 12,
            last_outcome: Some(Outcome::InvalidNumber),
            last_attempt_at: Some(from_millis(0)),
            next_attempt_at: None,
        };
        let text = line(&row, Utc::now());
        assert!(text.chars().count() <= 80, "{text}");
        assert!(header().chars().count() <= 80);
        assert!(text.contains("Maximiliana F…"), "{text}");
    }
}
