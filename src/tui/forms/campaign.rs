//! Create or edit a campaign: every setting an operator chooses, checked with
//! `CampaignSettings::validate` and each problem shown next to its field.

use super::field::Field;
use crate::domain::{CampaignId, CampaignSettings, Outcome};
use crate::engine::Command;
use crate::tui::strings;
use std::collections::BTreeSet;

#[derive(Debug, Clone)]
pub struct CampaignForm {
    /// `None` creates a new campaign.
    pub editing: Option<CampaignId>,
    /// Settings the form does not show (e.g. `start_at`) are kept from these.
    base: CampaignSettings,
    pub fields: Vec<Field>,
    pub focused: usize,
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_default()
}

impl CampaignForm {
    pub fn new(editing: Option<CampaignId>, settings: CampaignSettings) -> CampaignForm {
        let s = &settings;
        let retry_on: Vec<&str> = s.retry_on.iter().map(|o| o.as_str()).collect();
        let fields = vec![
            Field::new("name", "Name", s.name.clone(), "shown in the campaign list"),
            Field::new(
                "agent",
                "Agent name",
                s.agent_name.clone(),
                "LiveKit Agents worker to dispatch",
            ),
            Field::new(
                "trunk",
                "Outbound trunk",
                s.trunk_id.clone(),
                "ST_… (switchboard trunks)",
            ),
            Field::new(
                "caller_id",
                "Caller ID",
                opt(&s.caller_id),
                "optional; +E.164 form",
            ),
            Field::new(
                "max_concurrent",
                "Concurrent calls",
                s.max_concurrent.to_string(),
                "1-10000",
            ),
            Field::new(
                "call_delay_ms",
                "Gap between dials (ms)",
                s.call_delay_ms.to_string(),
                "0 = as fast as slots free",
            ),
            Field::new(
                "max_attempts",
                "Max attempts",
                s.max_attempts.to_string(),
                "per lead, 1-100",
            ),
            Field::new(
                "retry_delay_secs",
                "Retry after (s)",
                s.retry_delay_secs.to_string(),
                "0-2592000 (30 days)",
            ),
            Field::new(
                "retry_on",
                "Retry on",
                retry_on.join(", "),
                "no_answer, busy, trunk_failure, …",
            ),
            Field::new(
                "window",
                "Calling hours",
                s.window.to_string(),
                "HH:MM-HH:MM, lead's local time",
            ),
            Field::new(
                "timezone",
                "Time zone",
                s.timezone.clone(),
                "IANA, for leads without one",
            ),
            Field::new(
                "daily_cap",
                "Daily cap",
                opt(&s.daily_cap),
                "attempts per day; empty = none",
            ),
            Field::new(
                "dispatch",
                "Dispatch",
                s.dispatch.to_string(),
                "explicit or rules",
            ),
            Field::new(
                "ringing_timeout_secs",
                "Ring timeout (s)",
                s.ringing_timeout_secs.to_string(),
                "1-600",
            ),
            Field::new(
                "max_call_duration_secs",
                "Max call length (s)",
                s.max_call_duration_secs.to_string(),
                "1-86400 (1 day)",
            ),
            Field::new(
                "krisp",
                "Noise cancellation",
                if s.krisp { "yes" } else { "no" },
                "yes or no",
            ),
            Field::new(
                "dtmf",
                "DTMF after answer",
                opt(&s.dtmf),
                "digits, * # w; optional",
            ),
            Field::new(
                "disposition_retries",
                "Retry by disposition",
                s.disposition_retries
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                "voicemail=4h, callback=callback_at",
            ),
            Field::new(
                "prompt",
                "Agent context",
                s.prompt.clone(),
                "handed to the agent with each call",
            ),
        ];
        CampaignForm {
            editing,
            base: settings,
            fields,
            focused: 0,
        }
    }

    fn field(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(Field::value)
            .unwrap_or("")
    }

    fn set_error(&mut self, key: &str, problem: String) {
        if let Some(field) = self.fields.iter_mut().find(|f| f.key == key) {
            field.error = Some(problem);
        }
    }

    /// The settings as typed, or every problem marked on its field.
    pub fn settings(&mut self) -> Option<CampaignSettings> {
        for field in &mut self.fields {
            field.error = None;
        }
        let mut s = self.base.clone();
        let mut problems: Vec<(&'static str, String)> = Vec::new();
        let number =
            |key: &'static str, problems: &mut Vec<(&'static str, String)>| -> Option<u64> {
                match self.field(key).parse::<u64>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        problems.push((key, strings::NOT_A_NUMBER.into()));
                        None
                    }
                }
            };
        // A number too big for its field is checked against the field's bound (which
        // is far below u32::MAX) rather than silently dropped.
        let small = |n: Option<u64>| n.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        s.name = self.field("name").to_owned();
        s.agent_name = self.field("agent").to_owned();
        s.trunk_id = self.field("trunk").to_owned();
        s.caller_id = Some(self.field("caller_id").to_owned()).filter(|v| !v.is_empty());
        if let Some(n) = small(number("max_concurrent", &mut problems)) {
            s.max_concurrent = n;
        }
        if let Some(n) = number("call_delay_ms", &mut problems) {
            s.call_delay_ms = n;
        }
        if let Some(n) = small(number("max_attempts", &mut problems)) {
            s.max_attempts = n;
        }
        if let Some(n) = number("retry_delay_secs", &mut problems) {
            s.retry_delay_secs = n;
        }
        if let Some(n) = small(number("ringing_timeout_secs", &mut problems)) {
            s.ringing_timeout_secs = n;
        }
        if let Some(n) = small(number("max_call_duration_secs", &mut problems)) {
            s.max_call_duration_secs = n;
        }
        let retry: Result<BTreeSet<Outcome>, String> = self
            .field("retry_on")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::parse)
            .collect();
        match retry {
            Ok(set) => s.retry_on = set,
            Err(e) => problems.push(("retry_on", e)),
        }
        let rules: Result<Vec<_>, String> = self
            .field("disposition_retries")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(crate::domain::DispositionRetry::parse)
            .collect();
        match rules {
            Ok(rules) => s.disposition_retries = rules,
            Err(e) => problems.push(("disposition_retries", e)),
        }
        match self.field("window").parse() {
            Ok(w) => s.window = w,
            Err(e) => problems.push(("window", e)),
        }
        s.timezone = self.field("timezone").to_owned();
        match self.field("daily_cap") {
            "" => s.daily_cap = None,
            text => match text.parse() {
                Ok(n) => s.daily_cap = Some(n),
                Err(_) => problems.push(("daily_cap", strings::NOT_A_CAP.into())),
            },
        }
        match self.field("dispatch").parse() {
            Ok(d) => s.dispatch = d,
            Err(e) => problems.push(("dispatch", e)),
        }
        match self.field("krisp").to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "on" => s.krisp = true,
            "no" | "n" | "false" | "off" => s.krisp = false,
            _ => problems.push(("krisp", "yes or no".into())),
        }
        s.dtmf = Some(self.field("dtmf").to_owned()).filter(|v| !v.is_empty());
        s.prompt = self.field("prompt").to_owned();
        if problems.is_empty() {
            if let Err(e) = s.validate() {
                problems.push((e.field, e.problem.to_string()));
            }
        }
        let first = problems.first().map(|(k, _)| *k);
        for (key, problem) in problems {
            self.set_error(key, problem);
        }
        match first {
            Some(key) => {
                self.focused = self
                    .fields
                    .iter()
                    .position(|f| f.key == key)
                    .unwrap_or(self.focused);
                None
            }
            None => Some(s),
        }
    }

    pub fn command(&mut self) -> Option<(String, Command)> {
        let settings = Box::new(self.settings()?);
        Some(match self.editing {
            None => (
                strings::create_campaign(&settings.name),
                Command::CreateCampaign(settings),
            ),
            Some(id) => (
                strings::save_campaign(&id.label()),
                Command::UpdateCampaign { id, settings },
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tui_input::Input;

    fn set(form: &mut CampaignForm, key: &str, value: &str) {
        if let Some(f) = form.fields.iter_mut().find(|f| f.key == key) {
            f.input = Input::new(value.into());
        }
    }

    #[test]
    fn problems_are_shown_on_their_own_field() {
        let mut form = CampaignForm::new(None, CampaignSettings::default());
        set(&mut form, "name", "Renewals");
        set(&mut form, "agent", "renewals-agent");
        set(&mut form, "trunk", "ST_1");
        set(&mut form, "timezone", "Mars/Olympus");
        assert!(form.command().is_none());
        let tz = form
            .fields
            .iter()
            .find(|f| f.key == "timezone")
            .and_then(|f| f.error.clone());
        assert!(tz.is_some_and(|e| e.contains("IANA")));
        assert_eq!(form.fields[form.focused].key, "timezone");

        set(&mut form, "timezone", "America/Chicago");
        set(&mut form, "max_concurrent", "lots");
        assert!(form.command().is_none());
        assert_eq!(form.fields[form.focused].key, "max_concurrent");

        set(&mut form, "max_concurrent", "8");
        let (_, command) = form.command().expect("valid now");
        match command {
            Command::CreateCampaign(s) => {
                assert_eq!(s.max_concurrent, 8);
                assert_eq!(s.timezone, "America/Chicago");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    fn error_of(form: &CampaignForm, key: &str) -> Option<String> {
        form.fields
            .iter()
            .find(|f| f.key == key)
            .and_then(|f| f.error.clone())
    }

    #[test]
    fn the_form_refuses_what_the_command_line_refuses() {
        let mut form = CampaignForm::new(None, CampaignSettings::default());
        set(&mut form, "name", "Renewals");
        set(&mut form, "agent", "renewals-agent");
        set(&mut form, "trunk", "ST_1");
        set(&mut form, "retry_delay_secs", "9000000000000");
        assert!(form.command().is_none());
        assert_eq!(
            error_of(&form, "retry_delay_secs").as_deref(),
            Some("9000000000000 is too large: at most 2592000 (30 days)")
        );
        set(&mut form, "retry_delay_secs", "60");
        set(&mut form, "max_concurrent", "99999999999");
        assert!(form.command().is_none());
        assert!(error_of(&form, "max_concurrent").is_some_and(|e| e.contains("at most 10000")));
        set(&mut form, "max_concurrent", "4");
        set(&mut form, "caller_id", "notanumber");
        assert!(form.command().is_none());
        assert!(error_of(&form, "caller_id").is_some_and(|e| e.contains("E.164")));
        set(&mut form, "caller_id", "+12125550187");
        assert!(form.command().is_some());
    }
}
