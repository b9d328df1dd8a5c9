//! `switchboard campaign create|list|show|edit|delete`: campaigns from the command line.
//! `create` prints the new id alone on stdout, so scripts can capture it. Settings
//! errors name the flag to fix (`--window: ...`).

use super::engine_access::{writer, Access};
use super::Context;
use crate::domain::{
    bounds, start_at_problem, CallerIdPool, CallingWindow, CampaignId, CampaignSettings,
    DispatchMode, Outcome, SettingsError, Variant, VariantSpec,
};
use crate::engine::{Answer, CampaignSummary, Command, EngineError, Query, Reply};
use crate::store::CampaignRecord;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use color_eyre::eyre::{bail, eyre};
use color_eyre::Result;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum CampaignArgs {
    /// Create a campaign (as a draft) and print its id
    Create(Box<CreateArgs>),
    /// List campaigns with their status and lead counts
    List(ListArgs),
    /// Show one campaign's settings and status
    Show(ShowArgs),
    /// Change settings of a campaign that is not running
    Edit(Box<EditArgs>),
    /// Delete a campaign with its leads, attempts and events
    Delete(DeleteArgs),
    /// Start a campaign (in the running engine, or in a background engine started for it)
    Start(IdArgs),
    /// Pause a campaign: calls in flight finish, no new ones start
    Pause(IdArgs),
    /// Resume a paused campaign (starting a background engine if none runs)
    Resume(IdArgs),
    /// Stop a campaign for good; calls in flight are left to finish
    Stop(IdArgs),
}

#[derive(Debug, clap::Args)]
pub struct IdArgs {
    /// Campaign id
    pub id: i64,
}

/// Every setting, all optional so `edit` can change one at a time.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SettingsFlags {
    /// Campaign name shown in the console
    #[arg(long)]
    pub name: Option<String>,
    /// LiveKit agent (worker) name dispatched into each call
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
    /// Outbound SIP trunk id (ST_...); list them with `switchboard trunks`
    #[arg(long, value_name = "ID")]
    pub trunk: Option<String>,
    /// Numbers shown to callees, comma-separated E.164 (a pool: one is picked per
    /// call); empty for the trunk's own number
    #[arg(long, value_name = "E164[,E164...]")]
    pub caller_id: Option<String>,
    /// Prefer a pool number with the callee's area code, then region, then country
    /// (on by default when the pool has more than one number)
    #[arg(long, overrides_with = "no_local_presence")]
    pub local_presence: bool,
    /// Pick pool numbers by use alone, never by the callee's area
    #[arg(long, overrides_with = "local_presence")]
    pub no_local_presence: bool,
    /// Calls per caller ID per local day, across every campaign using it (0 removes the cap)
    #[arg(long, value_name = "N")]
    pub caller_id_daily_cap: Option<u32>,
    /// Rest a caller ID for the day when its answer rate over its last 50 calls falls
    /// below this percent of the pool's median (0 never rests; default 40)
    #[arg(long, value_name = "PERCENT")]
    pub rest_floor_pct: Option<u32>,
    /// Calls in progress at once
    #[arg(long, value_name = "N")]
    pub max_concurrent: Option<u32>,
    /// Milliseconds between two dial starts
    #[arg(long, value_name = "MS")]
    pub call_delay_ms: Option<u64>,
    /// Attempts per lead, retries included
    #[arg(long, value_name = "N")]
    pub max_attempts: Option<u32>,
    /// Seconds before a retry
    #[arg(long, value_name = "SECS")]
    pub retry_delay_secs: Option<u64>,
    /// Outcomes that are retried, comma-separated (no_answer,busy,rejected,trunk_failure,error,...)
    #[arg(long, value_name = "OUTCOMES", value_delimiter = ',')]
    pub retry_on: Option<Vec<Outcome>>,
    /// Retry an answered call by its agent's disposition, e.g. voicemail=4h or
    /// callback=callback_at (the time the agent gives); repeatable, `none` clears them
    #[arg(long = "retry-disposition", value_name = "NAME=WHEN")]
    pub retry_disposition: Option<Vec<String>>,
    /// Calling hours in each lead's local time, e.g. 09:00-20:00
    #[arg(long, value_name = "HH:MM-HH:MM")]
    pub window: Option<CallingWindow>,
    /// IANA time zone for leads whose zone is unknown, and for the daily cap
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,
    /// Attempts per local day (0 removes the cap)
    #[arg(long, value_name = "N")]
    pub daily_cap: Option<u32>,
    /// Context handed to the agent with each call
    #[arg(long, value_name = "TEXT", conflicts_with = "prompt_file")]
    pub prompt: Option<String>,
    /// Read the prompt from a file
    #[arg(long, value_name = "FILE")]
    pub prompt_file: Option<PathBuf>,
    /// How the agent joins: explicit (dispatched by switchboard) or rules (LiveKit dispatch rules)
    #[arg(long, value_name = "MODE")]
    pub dispatch: Option<DispatchMode>,
    /// Dial nothing before this time: `YYYY-MM-DD HH:MM` in the campaign's time zone, an
    /// RFC 3339 instant, or `none` to start as soon as it is started
    #[arg(long, value_name = "WHEN")]
    pub start_at: Option<String>,
    /// An A/B variant, NAME:AGENT:WEIGHT[:PROMPT_FILE] (AGENT empty: the campaign's);
    /// repeat for each variant. Given on edit, the list replaces the old one
    #[arg(long = "variant", value_name = "SPEC")]
    pub variants: Vec<String>,
    /// Remove every A/B variant (on edit)
    #[arg(long, conflicts_with = "variants")]
    pub no_variants: bool,
    /// Seconds from the answer for the agent to join before the call ends as agent_missing
    #[arg(long, value_name = "SECS")]
    pub agent_join_timeout_secs: Option<u32>,
    /// Record each answered call (audio only; where to: [recording] in config.toml).
    /// Mind the consent your callees' laws require (see the README)
    #[arg(long)]
    pub record: bool,
    /// Stop recording calls (on edit)
    #[arg(long, conflicts_with = "record")]
    pub no_record: bool,
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub settings: SettingsFlags,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Campaign id
    pub id: i64,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct EditArgs {
    /// Campaign id
    pub id: i64,
    #[command(flatten)]
    pub settings: SettingsFlags,
}

#[derive(Debug, clap::Args)]
pub struct DeleteArgs {
    /// Campaign id
    pub id: i64,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub async fn run(ctx: &Context, args: CampaignArgs) -> Result<ExitCode> {
    // Through the running engine, or one held for this command.
    match args {
        CampaignArgs::List(args) => list(&writer(ctx).await?, args).await,
        CampaignArgs::Show(args) => show(&writer(ctx).await?, args).await,
        CampaignArgs::Create(args) => create(&writer(ctx).await?, *args).await,
        CampaignArgs::Edit(args) => edit(&writer(ctx).await?, *args).await,
        CampaignArgs::Delete(args) => delete(&writer(ctx).await?, args).await,
        CampaignArgs::Start(args) => lifecycle(ctx, Lifecycle::Start, args.id).await,
        CampaignArgs::Pause(args) => lifecycle(ctx, Lifecycle::Pause, args.id).await,
        CampaignArgs::Resume(args) => lifecycle(ctx, Lifecycle::Resume, args.id).await,
        CampaignArgs::Stop(args) => lifecycle(ctx, Lifecycle::Stop, args.id).await,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lifecycle {
    Start,
    Pause,
    Resume,
    Stop,
}

/// Start and resume need an engine to dial, so one is started in the background when
/// none runs. Pause and stop with no engine running only record the new status: nothing
/// is dialling.
async fn lifecycle(ctx: &Context, step: Lifecycle, id: i64) -> Result<ExitCode> {
    let id = CampaignId(id);
    let command = match step {
        Lifecycle::Start => Command::Start(id),
        Lifecycle::Pause => Command::Pause(id),
        Lifecycle::Resume => Command::Resume(id),
        Lifecycle::Stop => Command::Stop {
            id,
            hang_up_live_calls: false,
        },
    };
    let done = match step {
        Lifecycle::Start => "started",
        Lifecycle::Pause => "paused",
        Lifecycle::Resume => "resumed",
        Lifecycle::Stop => "stopped",
    };
    match step {
        Lifecycle::Start | Lifecycle::Resume => {
            // Checked first: a typo must not leave a background engine behind. The held
            // engine (if any) lets go of the database before the dialling one starts.
            campaign(&writer(ctx).await?, id).await?;
            let client = super::engine_access::engine(ctx).await?;
            client.command(command).await.map_err(engine_error)?;
            eprintln!("campaign {id} {done}");
        }
        Lifecycle::Pause | Lifecycle::Stop => {
            let access = writer(ctx).await?;
            access.send(command).await.map_err(engine_error)?;
            match access {
                Access::Engine(_) => eprintln!("campaign {id} {done}"),
                Access::Held { .. } => eprintln!("campaign {id} {done} (no engine is running)"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

impl SettingsFlags {
    /// Applies the flags that were given over `settings`.
    fn apply(self, settings: &mut CampaignSettings) -> Result<()> {
        let s = settings;
        if let Some(v) = self.name {
            s.name = v;
        }
        if let Some(v) = self.agent {
            s.agent_name = v;
        }
        if let Some(v) = self.trunk {
            s.trunk_id = v;
        }
        if let Some(v) = self.caller_id {
            s.caller_ids = CallerIdPool::parse_list(&v).map_err(|e| eyre!("--caller-id: {e}"))?;
        }
        if self.local_presence {
            s.local_presence = Some(true);
        }
        if self.no_local_presence {
            s.local_presence = Some(false);
        }
        if let Some(v) = self.caller_id_daily_cap {
            s.caller_id_daily_cap = (v > 0).then_some(v);
        }
        if let Some(v) = self.rest_floor_pct {
            s.rest_floor_pct = v;
        }
        if let Some(v) = self.max_concurrent {
            s.max_concurrent = v;
        }
        if let Some(v) = self.call_delay_ms {
            s.call_delay_ms = v;
        }
        if let Some(v) = self.max_attempts {
            s.max_attempts = v;
        }
        if let Some(v) = self.retry_delay_secs {
            s.retry_delay_secs = v;
        }
        if let Some(v) = self.retry_on {
            s.retry_on = v.into_iter().collect();
        }
        if let Some(rules) = self.retry_disposition {
            s.disposition_retries = parse_disposition_retries(&rules)?;
        }
        if let Some(v) = self.window {
            s.window = v;
        }
        if let Some(v) = self.timezone {
            s.timezone = v;
        }
        if let Some(v) = self.daily_cap {
            s.daily_cap = (v > 0).then_some(v);
        }
        if let Some(v) = self.prompt {
            s.prompt = v;
        }
        if let Some(path) = self.prompt_file {
            s.prompt = read_prompt(&path).map_err(|e| eyre!("--prompt-file: {e}"))?;
        }
        if let Some(v) = self.dispatch {
            s.dispatch = v;
        }
        if let Some(v) = self.agent_join_timeout_secs {
            s.agent_join_timeout_secs = v;
        }
        if self.record {
            s.record = true;
        }
        if self.no_record {
            s.record = false;
        }
        if self.no_variants {
            s.variants.clear();
        }
        if !self.variants.is_empty() {
            s.variants = self
                .variants
                .iter()
                .map(|text| variant_from_flag(text))
                .collect::<Result<_>>()?;
        }
        // After --timezone, which a local start time is read in.
        if let Some(v) = self.start_at {
            let start_at = parse_start_at(&v, &s.timezone).map_err(|e| eyre!("--start-at: {e}"))?;
            if let Some(problem) = start_at.and_then(|at| start_at_problem(at, Utc::now())) {
                bail!("--start-at: {problem}");
            }
            s.start_at = start_at;
        }
        Ok(())
    }
}

/// One `--variant NAME:AGENT:WEIGHT[:PROMPT_FILE]`, its prompt file read.
fn variant_from_flag(text: &str) -> Result<Variant> {
    let spec = VariantSpec::parse(text).map_err(|e| eyre!("--variant: {e}"))?;
    let prompt = match &spec.prompt_file {
        Some(path) => Some(
            read_prompt(Path::new(path))
                .map_err(|e| eyre!("--variant {}: prompt file: {e}", spec.name))?,
        ),
        None => None,
    };
    Ok(Variant {
        name: spec.name,
        agent_name: spec.agent_name,
        weight: spec.weight,
        prompt,
    })
}

/// The prompt file's text, read no further than one byte past the cap so a huge file
/// (or `/dev/zero`) is refused without being read whole.
fn read_prompt(path: &Path) -> std::result::Result<String, String> {
    let cap = bounds::PROMPT_BYTES.max;
    let cannot_read = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > cap {
        return Err(format!(
            "{} is larger than a prompt may be (at most {} KiB); shorten it",
            path.display(),
            cap / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))
}

/// `none`, an RFC 3339 instant, or a wall-clock time in the campaign's zone.
fn parse_start_at(
    value: &str,
    timezone: &str,
) -> std::result::Result<Option<DateTime<Utc>>, String> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("none") || value.is_empty() {
        return Ok(None);
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(value) {
        return Ok(Some(instant.with_timezone(&Utc)));
    }
    let local = NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M")
        .map_err(|_| format!("`{value}` is not `YYYY-MM-DD HH:MM`, an RFC 3339 time, or `none`"))?;
    let tz: chrono_tz::Tz = timezone
        .parse()
        .map_err(|_| format!("cannot read it in time zone `{timezone}`; fix --timezone first"))?;
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| Some(t.with_timezone(&Utc)))
        .ok_or_else(|| format!("{value} does not exist in {timezone} (the clocks skip it)"))
}

/// `--retry-disposition` values; `none` alone clears the rules.
fn parse_disposition_retries(rules: &[String]) -> Result<Vec<crate::domain::DispositionRetry>> {
    if rules.len() == 1 && rules[0].trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    rules
        .iter()
        .map(|rule| {
            crate::domain::DispositionRetry::parse(rule)
                .map_err(|problem| eyre!("--retry-disposition: {problem}"))
        })
        .collect()
}

/// `--window: ...`: a settings error as the flag the user typed.
fn flag_error(err: &SettingsError) -> color_eyre::Report {
    let flag = match err.field {
        "agent" | "trunk" | "name" => err.field.to_string(),
        field => field.replace('_', "-"),
    };
    eyre!("--{flag}: {}", err.problem)
}

/// The engine's refusals (running campaign, unknown id) are the user's to fix: no
/// "caused by".
fn engine_error(err: EngineError) -> color_eyre::Report {
    match err {
        EngineError::NotFound { what } => {
            eyre!("{what} does not exist; list campaigns with `switchboard campaign list`")
        }
        other => eyre!("{other}"),
    }
}

/// One campaign's record and its number of leads.
async fn campaign(access: &Access, id: CampaignId) -> Result<CampaignSummary> {
    let all = campaigns(access).await?;
    all.into_iter()
        .find(|c| c.record.id == id)
        .ok_or_else(|| {
            engine_error(EngineError::NotFound {
                what: format!("campaign {id}"),
            })
        })
}

/// Every campaign with its number of leads.
async fn campaigns(access: &Access) -> Result<Vec<CampaignSummary>> {
    match access.query(Query::Campaigns).await.map_err(engine_error)? {
        Answer::Campaigns(all) => Ok(all),
        other => bail!("the engine answered {other:?} to a campaign list query"),
    }
}

async fn create(access: &Access, args: CreateArgs) -> Result<ExitCode> {
    let mut settings = CampaignSettings::default();
    args.settings.apply(&mut settings)?;
    settings.validate().map_err(|e| flag_error(&e))?;
    let id = match access
        .send(Command::CreateCampaign(Box::new(settings)))
        .await
        .map_err(engine_error)?
    {
        Reply::Created(id) => id,
        other => bail!("the engine answered {other:?} to a create"),
    };
    println!("{id}");
    Ok(ExitCode::SUCCESS)
}

async fn edit(access: &Access, args: EditArgs) -> Result<ExitCode> {
    let id = CampaignId(args.id);
    let current = match access
        .query(Query::Campaign { campaign: id })
        .await
        .map_err(engine_error)?
    {
        Answer::Campaign(record) => *record,
        other => bail!("the engine answered {other:?} to a campaign query"),
    };
    let mut settings = current.settings.clone();
    args.settings.apply(&mut settings)?;
    settings.validate().map_err(|e| flag_error(&e))?;
    let command = Command::UpdateCampaign {
        id,
        settings: Box::new(settings),
    };
    access.send(command).await.map_err(engine_error)?;
    eprintln!("campaign {id} updated");
    Ok(ExitCode::SUCCESS)
}

fn campaign_json(record: &CampaignRecord, leads: u64) -> serde_json::Value {
    serde_json::json!({
        "id": record.id,
        "name": record.settings.name,
        "status": record.status,
        "pause_reason": record.pause_reason.as_ref().map(|r| r.to_string()),
        "leads": leads,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "started_at": record.started_at,
        "completed_at": record.completed_at,
        "settings": record.settings,
    })
}

async fn list(access: &Access, args: ListArgs) -> Result<ExitCode> {
    let campaigns = campaigns(access).await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let all: Vec<_> = campaigns
            .iter()
            .map(|c| campaign_json(&c.record, c.leads))
            .collect();
        serde_json::to_writer_pretty(&mut out, &all)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if campaigns.is_empty() {
        eprintln!("no campaigns yet; create one with `switchboard campaign create --name .. --agent .. --trunk ..`");
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{:>4}  {:<10} {:>8}  {:<16} NAME",
        "ID", "STATUS", "LEADS", "CREATED"
    )?;
    for CampaignSummary { record: r, leads } in &campaigns {
        writeln!(
            out,
            "{:>4}  {:<10} {:>8}  {:<16} {}",
            r.id.0,
            r.status.as_str(),
            leads,
            r.created_at.format("%Y-%m-%d %H:%M"),
            r.settings.name
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(access: &Access, args: ShowArgs) -> Result<ExitCode> {
    let CampaignSummary { record, leads } = campaign(access, CampaignId(args.id)).await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &campaign_json(&record, leads))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let s = &record.settings;
    let retry_on: Vec<&str> = s.retry_on.iter().map(|o| o.as_str()).collect();
    let mut rows: Vec<(&str, String)> = vec![
        ("id", record.id.to_string()),
        ("name", s.name.clone()),
        ("status", record.status.to_string()),
    ];
    if let Some(reason) = &record.pause_reason {
        rows.push(("paused", reason.to_string()));
    }
    rows.extend([
        ("leads", leads.to_string()),
        ("agent", s.agent_name.clone()),
        ("dispatch", s.dispatch.to_string()),
        ("trunk", s.trunk_id.clone()),
        (
            "caller id",
            if s.caller_ids.is_empty() {
                "(the trunk's)".into()
            } else {
                s.caller_ids.numbers().join(", ")
            },
        ),
        (
            "local pres.",
            match (s.local_presence_on(), s.local_presence) {
                (true, Some(_)) => "on".into(),
                (true, None) => "on (a pool of more than one)".into(),
                (false, _) => "off".into(),
            },
        ),
        (
            "id cap",
            match s.caller_id_daily_cap {
                Some(cap) => format!("{cap} calls per caller id per day"),
                None => "none".into(),
            },
        ),
        (
            "rest floor",
            match s.rest_floor_pct {
                0 => "never rest a caller id".into(),
                pct => format!("{pct}% of the pool's median answer rate"),
            },
        ),
        ("concurrency", s.max_concurrent.to_string()),
        ("call delay", format!("{} ms", s.call_delay_ms)),
        (
            "attempts",
            format!(
                "up to {}, retry after {} s on {}",
                s.max_attempts,
                s.retry_delay_secs,
                retry_on.join(", ")
            ),
        ),
        (
            "by disposition",
            match s.disposition_retries.is_empty() {
                true => "(none)".into(),
                false => s
                    .disposition_retries
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            },
        ),
        ("window", format!("{} local time", s.window)),
        ("timezone", s.timezone.clone()),
        (
            "starts",
            s.start_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| "when started".into()),
        ),
        (
            "daily cap",
            s.daily_cap
                .map(|c| c.to_string())
                .unwrap_or_else(|| "none".into()),
        ),
        ("created", record.created_at.to_rfc3339()),
    ]);
    rows.push((
        "recording",
        if s.record { "on".into() } else { "off".into() },
    ));
    rows.push((
        "agent join",
        format!("within {} s of the answer", s.agent_join_timeout_secs),
    ));
    for v in &s.variants {
        let agent = s.agent_for(Some(v));
        let prompt = if v.prompt.is_some() {
            ", own prompt"
        } else {
            ""
        };
        rows.push((
            "variant",
            format!("{}  agent {agent}, weight {}{prompt}", v.name, v.weight),
        ));
    }
    if !s.prompt.is_empty() {
        rows.push(("prompt", s.prompt.replace('\n', "\n              ")));
    }
    for (label, value) in rows {
        writeln!(out, "{label:<12}  {value}")?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn delete(access: &Access, args: DeleteArgs) -> Result<ExitCode> {
    let id = CampaignId(args.id);
    let CampaignSummary { record, leads } = campaign(access, id).await?;
    if !args.yes {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            bail!("not deleting campaign {id} without confirmation: there is no terminal to ask on; pass --yes");
        }
        eprint!(
            "Delete campaign {id} \"{}\" with its {leads} leads and all their calls? [y/N] ",
            record.settings.name,
        );
        std::io::stderr().flush()?;
        let mut answer = String::new();
        stdin.lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES") {
            eprintln!("not deleted");
            return Ok(ExitCode::FAILURE);
        }
    }
    access
        .send(Command::DeleteCampaign(id))
        .await
        .map_err(engine_error)?;
    eprintln!("campaign {id} deleted");
    Ok(ExitCode::SUCCESS)
}
