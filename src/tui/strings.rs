//! Every word the console shows, in one place (gitui's strings.rs), so wording is
//! consistent and easy to change.

use super::action::Action;

pub const APP_TITLE: &str = "Switchboard";
pub const PANE_CAMPAIGNS: &str = "Campaigns";
pub const PANE_CALLER_IDS: &str = "Caller IDs";
pub const COL_CALLER_ID: &str = "Caller ID";
pub const COL_VARIANT: &str = "Variant";
pub const COL_TODAY: &str = "Today";
pub const COL_ANSWERED_50: &str = "Answer (50)";
pub const AT_CAP: &str = "at cap";
pub const IN_USE: &str = "in use";
pub const RESTING: &str = "resting";
pub const PANE_SLOTS: &str = "Active calls";
pub const PANE_QUEUE: &str = "Queue";
pub const PANE_TIMELINE: &str = "Timeline";
pub const FOLLOWING: &str = "following";
pub const SCROLLED_BACK: &str = "scrolled back";
pub const NO_CAMPAIGNS: &str = "No campaigns yet. Press {new} to create one.";
pub const NO_CAMPAIGN_SELECTED: &str = "No campaign selected";
pub const NO_CALLS: &str = "No calls in progress";
pub const QUEUE_EMPTY: &str = "Nothing waiting";
pub const QUEUE_LOADING: &str = "Loading…";
pub const TIMELINE_EMPTY: &str = "No calls yet";
pub const TIMELINE_LOADING_OLDER: &str = "loading older events…";
pub const TIMELINE_START: &str = "— start of the timeline —";
pub const FILTER_PROMPT: &str = "filter: ";

pub const COL_SLOT: &str = "#";
pub const COL_LEAD: &str = "Lead";
pub const COL_NUMBER: &str = "Number";
pub const COL_STATE: &str = "State";
pub const COL_ELAPSED: &str = "Elapsed";
pub const COL_ATTEMPT: &str = "Try";
pub const COL_DUE: &str = "Due";
pub const COL_TIME: &str = "Time";
pub const COL_EVENT: &str = "Event";
pub const COL_DETAIL: &str = "Detail";
pub const COL_STATUS: &str = "Status";
pub const COL_PROGRESS: &str = "Progress";
pub const COL_NAME: &str = "Name";
/// The lead finder's count of a lead's calls, last outcome and last call time.
pub const COL_CALLS: &str = "N";
pub const COL_LAST_OUTCOME: &str = "Last";
pub const COL_LAST_CALL: &str = "Called";

pub const WINDOW_CLOSED: &str = "off hours";
pub const DUE_NOW: &str = "now";
pub const NEW_LEAD: &str = "new";

pub const HEADER_LEADS: &str = "leads";
pub const HEADER_DNC: &str = "DNC";
pub const HEADER_INVALID: &str = "invalid";
pub const HEADER_ANSWER_RATE: &str = "answer rate";
pub const HEADER_ANSWER_SHORT: &str = "answered";
pub const HEADER_RING_SHORT: &str = "ring";
pub const HEADER_TALK_SHORT: &str = "talk";
pub const HEADER_AVG_RING: &str = "avg ring";
pub const HEADER_AVG_TALK: &str = "avg talk";
pub const HEADER_RATE: &str = "calls/min";
pub const HEADER_ETA: &str = "ETA";
/// Answer to agent join, p50/p95.
pub const HEADER_AGENT_JOIN: &str = "agent p50/p95";
pub const HEADER_TODAY: &str = "today";
pub const DETAIL_VARIANT: &str = "variant";
pub const DETAIL_RECORDING: &str = "recording";
pub const DETAIL_RECORDING_FAILED: &str = "recording failed:";
pub const AGENTS_TITLE: &str = "Agents and trunks";
pub const AGENTS_VARIANTS: &str = "A/B variants of this campaign";
pub const AGENTS_NO_CAMPAIGN: &str = "no campaign selected";
pub const AGENTS_NO_VARIANTS: &str = "no calls with variants yet (set them in the campaign form)";
pub const AGENTS_TRUNKS: &str = "Outbound trunks";
pub const AGENTS_NO_TRUNKS: &str =
    "no outbound trunks: create one with `switchboard trunks create`";
pub const AGENTS_TRUNK_UNUSED: &str = "no campaign";
pub const HEADER_NO_OUTCOMES: &str = "no calls finished yet";
pub const HEADER_DRAFT_HINT: &str = "ready: press {start} to start dialling";
pub const DEMO_BADGE: &str = "DEMO · sandbox phone network";
pub const BACKEND_SANDBOX: &str = "embedded sandbox (no LiveKit configured)";

pub const HELP_TITLE: &str = "Keys";
pub const HELP_FOOTER: &str =
    "Rebind any action in config.toml under [keys], e.g. stop = \"ctrl-x\"";

pub const DETAIL_TITLE: &str = "Lead";
pub const DETAIL_LOADING: &str = "Loading history…";
pub const DETAIL_VARIABLES: &str = "Variables";
pub const DETAIL_NO_VARIABLES: &str = "(none)";
pub const DETAIL_NO_ATTEMPTS: &str = "Not called yet";
pub const DETAIL_ATTEMPT: &str = "Attempt";
pub const DETAIL_RING: &str = "ring";
pub const DETAIL_NUMBERS: &str = "Numbers";
pub const DETAIL_NOT_DIALLED: &str = "not dialled yet";
pub const DETAIL_RETIRED: &str = "retired: the network says it does not exist";
pub const DETAIL_FROM: &str = "from";

/// `2 calls, last no_answer`.
pub fn number_calls(attempts: u32, last: Option<&str>) -> String {
    let calls = if attempts == 1 { "call" } else { "calls" };
    match last {
        Some(last) => format!("{attempts} {calls}, last {last}"),
        None => DETAIL_NOT_DIALLED.to_owned(),
    }
}
pub const DETAIL_TALK: &str = "talk";

pub const CONFIRM_TITLE: &str = "Confirm";
pub const QUIT_TITLE: &str = "Calls are live";
/// The console is attached to an engine that outlives it.
pub const QUIT_QUESTION: &str = "A campaign is running. Quitting closes only this console: the engine keeps running in the background and goes on calling (`switchboard` attaches again). Or pause all running campaigns, then quit.";
/// The demo's engine is in the console's process and ends with it.
pub const QUIT_QUESTION_DEMO: &str = "A campaign is running. Quitting the demo ends its engine: running campaigns pause and resume by themselves when the demo next opens this database. Or pause them now, so they stay paused.";

pub const FORM_NEW_CAMPAIGN: &str = "New campaign";
pub const FORM_EDIT_CAMPAIGN: &str = "Edit campaign";
/// Beside a running campaign's agent, trunk, prompt, …: they change between runs.
pub const LOCKED_WHILE_RUNNING: &str = "pause the campaign to change this";
pub const FORM_IMPORT: &str = "Import leads";
pub const FORM_DNC: &str = "Add to do-not-call list";
pub const FORM_PREVIEW: &str = "Preview";
pub const FORM_REPORT: &str = "Import report";
pub const FORM_IMPORTING: &str = "Importing…";
pub const FORM_NO_PREVIEW: &str = "Type a CSV path to see its first rows";

pub const FINDER_PROMPT: &str = "find: ";
pub const FINDER_HELP: &str =
    "a part of the number, the name or any variable's value; empty lists every lead";
pub const FINDER_SEARCHING: &str = "searching…";
pub const FINDER_NOTHING: &str = "no lead matches";
pub const FINDER_MORE: &str = "more below: keep going down";

pub fn finder_title(campaign: Option<&str>) -> String {
    match campaign {
        Some(name) => format!("Find a lead in \"{name}\""),
        None => "Find a lead in every campaign".into(),
    }
}

pub fn finder_count(shown: usize, more: bool) -> String {
    if more {
        format!("first {shown} leads")
    } else {
        format!("{shown} lead(s)")
    }
}

/// An action's label where the bar shows it: in the lead finder the form keys choose a
/// lead and enter opens it; on the queue and the timeline `/` finds a lead.
pub fn hint_label(view: &super::view::View, action: Action) -> &'static str {
    use super::action::Mode;
    use super::view::Pane;
    match (view.mode(), action) {
        (Mode::LeadFinder, Action::Submit) => "history",
        (Mode::LeadFinder, Action::Cancel) => "close",
        (Mode::LeadFinder, Action::NextField) => "next",
        (Mode::LeadFinder, Action::PrevField) => "previous",
        (Mode::Normal, Action::Filter) if matches!(view.focus, Pane::Queue | Pane::Timeline) => {
            "find lead"
        }
        _ => action_label_in(action, view.demo),
    }
}

/// The label where the demo's differs: quitting the demo ends its engine, so nothing
/// is left running; the campaigns resume when the demo next opens.
pub fn action_label_in(action: Action, demo: bool) -> &'static str {
    match action {
        Action::KeepRunningAndQuit if demo => "quit (resume later)",
        _ => action_label(action),
    }
}

pub fn action_label(action: Action) -> &'static str {
    match action {
        Action::Quit => "quit",
        Action::Help => "help",
        Action::Start => "start",
        Action::Pause => "pause",
        Action::Resume => "resume",
        Action::Stop => "stop",
        Action::NewCampaign => "new",
        Action::EditCampaign => "edit",
        Action::DeleteCampaign => "delete",
        Action::Import => "import",
        Action::AddDnc => "DNC",
        Action::HangUp => "end call",
        Action::Details => "details",
        Action::Agents => "agents",
        Action::Filter => "filter",
        Action::FindLead => "find lead",
        Action::ClearFilter => "clear filter",
        Action::Follow => "follow",
        Action::FocusNext => "next pane",
        Action::FocusPrev => "previous pane",
        Action::FocusCampaigns => "campaigns",
        Action::FocusSlots => "calls",
        Action::FocusQueue => "queue",
        Action::FocusTimeline => "timeline",
        Action::Down => "down",
        Action::Up => "up",
        Action::Top => "top",
        Action::Bottom => "bottom",
        Action::PageDown => "page down",
        Action::PageUp => "page up",
        Action::RetryNow => "retry now",
        Action::MarkDnc => "mark DNC",
        Action::Close => "close",
        Action::NextField => "next field",
        Action::PrevField => "previous field",
        Action::Submit => "submit",
        Action::Cancel => "cancel",
        Action::Confirm => "yes",
        Action::PauseAndQuit => "pause all and quit",
        Action::KeepRunningAndQuit => "leave running and quit",
        Action::Charts => "charts",
        Action::NextChart => "next chart",
        Action::PrevChart => "previous chart",
        Action::CommandLine => "command",
        Action::Complete => "complete",
    }
}

/// What a stop ends, and that it is for good: the leads never called and any live calls.
pub fn confirm_stop(name: &str, live: usize, uncalled: u64) -> String {
    let calls = match live {
        0 => String::new(),
        1 => " The live call will be hung up.".to_owned(),
        n => format!(" Its {n} live calls will be hung up."),
    };
    format!(
        "Stop campaign \"{name}\" for good? Dialling ends: {uncalled} lead(s) not yet called will never be called.{calls} This cannot be undone."
    )
}

/// Hanging up ends a conversation in the middle: asked first, like a stop.
pub fn confirm_hang_up(who: &str) -> String {
    format!("Hang up the live call to {who}? The conversation ends now and cannot be resumed.")
}

pub fn confirm_delete(name: &str, leads: u64) -> String {
    format!(
        "Delete campaign \"{name}\" with its {leads} lead(s) and every call record? This cannot be undone."
    )
}

pub fn campaign_deleted(id: &str) -> String {
    format!("deleted campaign {id}")
}

pub fn delete_running(name: &str) -> String {
    format!("campaign \"{name}\" is running; stop it first, then delete it")
}

pub fn confirm_dnc(phone: &str) -> String {
    format!("Put {phone} on this campaign's do-not-call list? It will never be dialled again.")
}

pub fn command_sent(what: &str) -> String {
    format!("{what}…")
}

pub fn command_done(what: &str) -> String {
    format!("{what}: done")
}

pub fn command_failed(what: &str, why: &str) -> String {
    format!("{what} failed: {why}")
}

pub fn campaign_created(id: &str) -> String {
    format!("created campaign {id}; import leads with the import key, then start it")
}

pub fn not_for_status(action: &str, status: &str) -> String {
    format!("cannot {action} a {status} campaign")
}

pub fn queue_position(position: u64, total: u64) -> String {
    format!("{position}/{total}")
}

pub fn events_lagged(missed: u64) -> String {
    format!("{missed} live events were skipped while the console was busy; reloaded the timeline")
}

pub const NOTHING_SELECTED: &str = "select a campaign first";
pub const NO_CALL_SELECTED: &str = "select a live call (pane 2) to end it";
pub const NOTHING_TO_SHOW: &str = "nothing selected";
pub const ENGINE_STOPPED: &str = "the engine has stopped; restart switchboard";
pub const ENGINE_BACK: &str = "reconnected to the engine";
/// The question when the followed engine stops answering.
pub const ENGINE_GONE_QUESTION: &str = "The engine does not answer: it stopped, or it restarts. \
    Start a new engine on this database? It resumes the campaigns that were running. \
    (No: keep waiting for it.)";
pub const ENGINE_GONE_OFFER: &str =
    "the engine does not answer: y starts a new one here, or wait for it to come back";
pub const ENGINE_GONE_WAIT: &str =
    "the engine does not answer: waiting for it to come back (q quits; `switchboard` starts one)";
/// An action that needs the engine, while it does not answer.
pub const ENGINE_GONE_REFUSED: &str =
    "the engine does not answer, so nothing can be changed: start a new one (y when asked), or wait";
pub const ENGINE_STARTING: &str = "starting a new engine on this database…";
pub const ENGINE_STARTED: &str = "a new engine is running; reconnecting to it…";
pub const ENGINE_NOT_STARTABLE: &str =
    "this console holds its engine itself and cannot start another";

pub fn engine_not_started(why: &str) -> String {
    format!("could not start an engine: {why}")
}

pub const DNC_REASON_CONSOLE: &str = "marked in the console";
pub const NOT_A_NUMBER: &str = "a whole number";
pub const NOT_A_CAP: &str = "a whole number, or empty for no cap";
pub const IMPORT_NEEDS_PATH: &str = "type the path of a CSV file";

pub const DETAIL_NOT_COUNTED: &str = "not counted toward the limit";

pub fn end_call_to(who: &str) -> String {
    format!("end call to {who}")
}

pub fn retry_now(lead: &str) -> String {
    format!("retry {lead} now")
}

pub fn mark_dnc(phone: &str) -> String {
    format!("mark {phone} do-not-call")
}

pub fn add_dnc(phone: &str) -> String {
    format!("add {phone} to the do-not-call list")
}

pub fn create_campaign(name: &str) -> String {
    format!("create campaign \"{name}\"")
}

pub fn save_campaign(id: &str) -> String {
    format!("save campaign {id}")
}

pub fn import_into(campaign: &str) -> String {
    format!("into campaign \"{campaign}\"")
}

pub fn rejected_line(line: u64, reason: &str) -> String {
    format!("line {line}: {reason}")
}

pub fn retry_due(when: &str) -> String {
    format!("retry due {when}")
}

/// `stored`: every attempt listed below; `counted`: those that count toward the retry
/// limit (a call not placed, or with no agent, does not), said only when they differ.
pub fn lead_facts(
    id: &str,
    stored: usize,
    counted: u32,
    priority: i64,
    timezone: Option<&str>,
    line: Option<u64>,
) -> String {
    let line = line.map(|l| format!(" · CSV line {l}")).unwrap_or_default();
    let zone = timezone.unwrap_or("campaign's");
    let attempts = match stored == counted as usize {
        true => format!("attempts {stored}"),
        false => format!("attempts {stored} ({counted} counted toward the limit)"),
    };
    format!("{id} · {attempts} · priority {priority} · time zone {zone}{line}")
}

pub const COMMAND_PROMPT: &str = ":";
pub const HELP_COMMANDS: &str = "commands (type : then the word; tab completes)";

pub fn unknown_command(name: &str) -> String {
    format!("unknown command `:{name}` (press : then tab to list the commands)")
}

pub fn command_takes_no_argument(name: &str) -> String {
    format!("`:{name}` takes no argument")
}

pub const CHARTS_TITLE: &str = "Charts";
pub const CHART_ACTIVITY: &str = "Calls & answer rate";
pub const CHART_OUTCOMES: &str = "Outcomes";
pub const CHART_CALLER_IDS: &str = "Caller IDs";
pub const CHART_VARIANTS: &str = "A/B variants";
pub const CHART_RING: &str = "Ring time";
pub const CHART_AGENT_JOIN: &str = "Agent join";
pub const CHART_CALLS_PER_MINUTE: &str = "calls/min";
pub const CHART_ANSWER_RATE: &str = "answer rate";
pub const CHART_NO_CALLS: &str = "No calls yet";
pub const CHART_NO_VARIANTS: &str = "This campaign has no A/B variants.";
pub const CHART_NO_CALLER_IDS: &str = "No decided calls yet";
pub const OUTCOME_ANSWERED: &str = "answered";
pub const OUTCOME_NO_ANSWER: &str = "no answer";
pub const OUTCOME_BUSY: &str = "busy/rejected";
pub const OUTCOME_FAILED: &str = "failed";
pub const OUTCOME_NOT_COUNTED: &str = "not counted";

/// `12 attempts · buckets of 5 min`: what a chart page is drawn from.
pub fn chart_basis(attempts: &str, bucket_secs: u32) -> String {
    let width = match bucket_secs {
        s if s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s % 3_600 == 0 => format!("{} h", s / 3_600),
        s => format!("{} min", s / 60),
    };
    format!("{attempts} attempts · buckets of {width}")
}

/// `A  52% (50–54%)  of 1,204 calls`.
pub fn variant_interval(variant: &str, rate: f64, low: f64, high: f64, calls: &str) -> String {
    format!(
        "{variant:<10} {:>4.0}%  95% interval {:.0}–{:.0}%  of {calls} calls",
        rate * 100.0,
        low * 100.0,
        high * 100.0
    )
}

/// `1,204 calls · 3 rang until the timeout`.
pub fn histogram_summary(total: &str, last_label: &str, last: &str) -> String {
    format!("{total} calls · {last} in {last_label}")
}
