//! `switchboard campaign create|list|show|edit|delete`: campaigns from the command line.
//! `create` prints the new id alone on stdout, so scripts can capture it. Settings
//! errors name the flag to fix (`--window: ...`).

use super::engine_access::{writer, Access};
use super::Context;
use crate::domain::{
    bounds, setting, CampaignId, CampaignSettings, LeadState, Problem, Setting, SettingKind,
    SettingsError, Variant, VariantSpec, SETTINGS,
};
use crate::engine::{Answer, CampaignSummary, Command, EngineError, Query, Reply};
use crate::store::CampaignRecord;
use chrono::Utc;
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
    /// Stop a campaign for good (asks first); calls in flight are left to finish
    Stop(DeleteArgs),
}

#[derive(Debug, clap::Args)]
pub struct IdArgs {
    /// Campaign id
    pub id: i64,
}

/// Every setting of the table (`domain::SETTINGS`) as a flag, all optional so `edit`
/// can change one at a time, plus the command line's own ways to give two of them
/// (`--prompt-file`, `--no-variants`). Built with clap's builder from the table rather
/// than one field per setting, so a new setting is a flag without a line here.
#[derive(Debug, Clone, Default)]
pub struct SettingsFlags {
    /// The settings given, with their values as typed, in the table's order.
    given: Vec<(&'static Setting, Vec<String>)>,
    prompt_file: Option<PathBuf>,
    no_variants: bool,
}

/// The flag that turns a switch off: `--no-record`.
fn off_flag(setting: &Setting) -> String {
    format!("no-{}", setting.flag)
}

/// The `--help` line of a switch's `--no-` twin.
fn off_help(setting: &Setting) -> String {
    format!("The opposite of --{}", setting.flag)
}

impl clap::Args for SettingsFlags {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        use clap::{Arg, ArgAction};
        let mut args = Vec::new();
        for setting in SETTINGS {
            let help = match (setting.kind, setting.optional) {
                (SettingKind::Number(_), true) => format!("{} (0 removes the cap)", setting.help),
                _ => setting.help.to_owned(),
            };
            let arg = Arg::new(setting.key)
                .long(setting.flag)
                .help(help)
                .value_name(setting.value_name);
            match setting.kind {
                SettingKind::Switch => {
                    let off = off_flag(setting);
                    args.push(arg.action(ArgAction::SetTrue).overrides_with(off.clone()));
                    args.push(
                        Arg::new(off.clone())
                            .long(off)
                            .help(off_help(setting))
                            .action(ArgAction::SetTrue)
                            .overrides_with(setting.key),
                    );
                }
                SettingKind::List { repeat: true } | SettingKind::Variants => {
                    args.push(arg.action(ArgAction::Append));
                }
                SettingKind::Choice(words) => {
                    args.push(arg.value_parser(words.to_vec()).action(ArgAction::Set));
                }
                // A value not of the flag's form is a usage error (exit code 2), as
                // clap says it; one of the right form that cannot work is checked with
                // the other settings.
                SettingKind::Number(_) | SettingKind::Hours => {
                    let form = move |text: &str| -> Result<String, String> {
                        let mut scratch = CampaignSettings::default();
                        match setting.parse(&mut scratch, text, Utc::now()) {
                            Err(e) if matches!(e.problem, Problem::Other(_)) => {
                                Err(e.problem.to_string())
                            }
                            _ => Ok(text.to_owned()),
                        }
                    };
                    args.push(arg.value_parser(form).action(ArgAction::Set));
                }
                _ => args.push(arg.action(ArgAction::Set)),
            }
        }
        args.push(
            Arg::new("prompt_file")
                .long("prompt-file")
                .value_name("FILE")
                .help("Read the prompt from a file")
                .value_parser(clap::value_parser!(PathBuf))
                .conflicts_with("prompt"),
        );
        args.push(
            Arg::new("no_variants")
                .long("no-variants")
                .help("Remove every A/B variant (on edit)")
                .action(ArgAction::SetTrue)
                .conflicts_with("variants"),
        );
        cmd.args(args)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl clap::FromArgMatches for SettingsFlags {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = SettingsFlags {
            prompt_file: m.get_one::<PathBuf>("prompt_file").cloned(),
            no_variants: m.get_flag("no_variants"),
            ..SettingsFlags::default()
        };
        for setting in SETTINGS {
            let values: Vec<String> = match setting.kind {
                SettingKind::Switch if m.get_flag(setting.key) => vec!["yes".into()],
                SettingKind::Switch if m.get_flag(&off_flag(setting)) => vec!["no".into()],
                SettingKind::Switch => continue,
                _ => match m.get_many::<String>(setting.key) {
                    Some(values) => values.cloned().collect(),
                    None => continue,
                },
            };
            flags.given.push((setting, values));
        }
        Ok(flags)
    }

    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
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

/// A campaign id and `--yes`: for the steps that cannot be undone (delete, stop).
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
        CampaignArgs::Stop(args) => stop(ctx, args).await,
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
            match client.command(command).await.map_err(engine_error)? {
                Reply::AlreadyRunning => eprintln!("campaign {id} is running"),
                _ => eprintln!("campaign {id} {done}"),
            }
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
    /// Applies the flags that were given over `settings`, in the table's order (a
    /// local `--start-at` is read in the `--timezone` given with it).
    fn apply(self, settings: &mut CampaignSettings) -> Result<()> {
        let now = Utc::now();
        if self.no_variants {
            settings.variants.clear();
        }
        for (setting, values) in self.given {
            match setting.kind {
                // The command line's variants may name prompt files, read here.
                SettingKind::Variants => {
                    settings.variants = values
                        .iter()
                        .map(|text| variant_from_flag(text))
                        .collect::<Result<_>>()?;
                }
                // A cap of 0 is no cap, as `--help` says.
                SettingKind::Number(_) if setting.optional && values == ["0"] => {
                    setting
                        .parse(settings, "", now)
                        .map_err(|e| flag_error(&e))?;
                }
                _ => setting
                    .parse(settings, &values.join(","), now)
                    .map_err(|e| flag_error(&e))?,
            }
        }
        if let Some(path) = self.prompt_file {
            settings.prompt = read_prompt(&path).map_err(|e| eyre!("--prompt-file: {e}"))?;
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

/// `--window: ...`: a settings error as the flag the user typed.
fn flag_error(err: &SettingsError) -> color_eyre::Report {
    let flag = setting(err.field).map_or(err.field, |s| s.flag);
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
    all.into_iter().find(|c| c.record.id == id).ok_or_else(|| {
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
    let changes = crate::domain::setting_change::changes(&current.settings, &settings);
    let command = Command::UpdateCampaign {
        id,
        settings: Box::new(settings),
        changed_by: format!("{} (command line)", crate::paths::operator_name()),
    };
    access.send(command).await.map_err(engine_error)?;
    if changes.is_empty() {
        eprintln!("campaign {id}: nothing changed");
    } else {
        let when = match current.status {
            crate::domain::CampaignStatus::Running => " (from its next dial)",
            _ => "",
        };
        eprintln!(
            "campaign {id} updated{when}: {}",
            crate::domain::setting_change::summary(&changes)
        );
    }
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

/// Settings changes `campaign show` lists.
const SHOWN_CHANGES: usize = 20;

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
    let changes = match access
        .query(Query::SettingsChanges {
            campaign: record.id,
            limit: SHOWN_CHANGES,
        })
        .await
        .map_err(engine_error)?
    {
        Answer::SettingsChanges(changes) => changes,
        other => bail!("the engine answered {other:?} to a settings changes query"),
    };
    if !changes.is_empty() {
        writeln!(out, "\nchanges (last {SHOWN_CHANGES}, oldest first)")?;
        for row in changes {
            writeln!(
                out,
                "  {}  {}: {}",
                row.at.format("%Y-%m-%d %H:%M:%S UTC"),
                row.changed_by,
                row.change
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn delete(access: &Access, args: DeleteArgs) -> Result<ExitCode> {
    let id = CampaignId(args.id);
    let CampaignSummary { record, leads } = campaign(access, id).await?;
    let question = format!(
        "Delete campaign {id} \"{}\" with its {leads} leads and all their calls?",
        record.settings.name,
    );
    if !args.yes && !confirmed(&format!("deleting campaign {id}"), &question)? {
        eprintln!("not deleted");
        return Ok(ExitCode::FAILURE);
    }
    access
        .send(Command::DeleteCampaign(id))
        .await
        .map_err(engine_error)?;
    eprintln!("campaign {id} deleted");
    Ok(ExitCode::SUCCESS)
}

/// Refuses `doing` when there is no terminal to ask on, naming `--yes`.
fn terminal_to_ask(doing: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!("not {doing} without confirmation: there is no terminal to ask on; pass --yes");
    }
    Ok(())
}

/// Asks `question` on the terminal; without one, refuses `doing` and names `--yes`.
fn confirmed(doing: &str, question: &str) -> Result<bool> {
    terminal_to_ask(doing)?;
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES"))
}

/// A stop ends dialling for good, so it is asked first (or `--yes`), with what it
/// costs: the leads that will never be called.
async fn stop(ctx: &Context, args: DeleteArgs) -> Result<ExitCode> {
    let id = CampaignId(args.id);
    if !args.yes {
        // Refused before anything is opened: a script without --yes changes nothing.
        let doing = format!("stopping campaign {id}");
        terminal_to_ask(&doing)?;
        let access = writer(ctx).await?;
        let report = match access.query(Query::Status { campaign: Some(id) }).await {
            Ok(Answer::Status(all)) => all.into_iter().next(),
            Ok(other) => bail!("the engine answered {other:?} to a status query"),
            Err(err) => return Err(engine_error(err)),
        };
        let Some(report) = report else {
            return Err(engine_error(EngineError::NotFound {
                what: format!("campaign {id}"),
            }));
        };
        let by_state = |state: LeadState| {
            report
                .stats
                .leads_by_state
                .get(state.as_str())
                .copied()
                .unwrap_or(0)
        };
        let uncalled = by_state(LeadState::Pending);
        let retries = match by_state(LeadState::RetryWait) {
            0 => String::new(),
            n => format!(" (nor the {n} waiting for a retry)"),
        };
        let question = format!(
            "Stop campaign {id} \"{}\"? It ends dialling for good: {uncalled} leads not yet called will not be called{retries}, and this cannot be undone.",
            report.record.settings.name
        );
        // The engine held to ask lets go before the stop finds its own way in.
        drop(access);
        if !confirmed(&doing, &question)? {
            eprintln!("not stopped");
            return Ok(ExitCode::FAILURE);
        }
    }
    lifecycle(ctx, Lifecycle::Stop, args.id).await
}
