//! Create or edit a campaign: a field for every setting of the table
//! (`domain::SETTINGS`: its label, its hint, how it reads and shows), checked with
//! `CampaignSettings::validate` and each problem shown next to its field.

use super::field::Field;
use crate::domain::{CampaignId, CampaignSettings, SETTINGS};
use crate::engine::Command;
use crate::tui::strings;

#[derive(Debug, Clone)]
pub struct CampaignForm {
    /// `None` creates a new campaign.
    pub editing: Option<CampaignId>,
    /// What the fields are read over (a variant's prompt is kept from it).
    base: CampaignSettings,
    pub fields: Vec<Field>,
    pub focused: usize,
}

impl CampaignForm {
    pub fn new(editing: Option<CampaignId>, settings: CampaignSettings) -> CampaignForm {
        Self::with_lock(editing, settings, false)
    }

    /// The form for a running campaign: what may change under it is open, the rest is
    /// locked until a pause (`Setting::while_running`).
    pub fn while_running(id: CampaignId, settings: CampaignSettings) -> CampaignForm {
        Self::with_lock(Some(id), settings, true)
    }

    fn with_lock(
        editing: Option<CampaignId>,
        settings: CampaignSettings,
        running: bool,
    ) -> CampaignForm {
        let fields = SETTINGS
            .iter()
            .map(|setting| {
                let mut field = Field::new(
                    setting.key,
                    setting.label,
                    setting.show(&settings),
                    setting.hint,
                );
                if running && !setting.while_running {
                    field.locked = Some(strings::LOCKED_WHILE_RUNNING);
                }
                field
            })
            .collect();
        CampaignForm {
            editing,
            base: settings,
            fields,
            focused: 0,
        }
    }

    /// The settings as typed, or every problem marked on its field.
    pub fn settings(&mut self) -> Option<CampaignSettings> {
        let now = chrono::Utc::now();
        let mut s = self.base.clone();
        let mut problems = Vec::new();
        // In the table's order, as the fields are: a start time is read in the zone typed.
        for (setting, field) in SETTINGS.iter().zip(&self.fields) {
            if let Err(e) = setting.parse(&mut s, field.value(), now) {
                problems.push(e);
            }
        }
        if problems.is_empty() {
            if let Err(e) = s.validate() {
                problems.push(e);
            }
        }
        for field in &mut self.fields {
            field.error = problems
                .iter()
                .find(|e| e.field == field.key)
                .map(|e| e.problem.to_string());
        }
        match problems.first() {
            Some(first) => {
                self.focused = self
                    .fields
                    .iter()
                    .position(|f| f.key == first.field)
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
                Command::UpdateCampaign {
                    id,
                    settings,
                    changed_by: format!("{} (console)", crate::paths::operator_name()),
                },
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Variant;
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

    fn value_of<'a>(form: &'a CampaignForm, key: &str) -> &'a str {
        form.fields
            .iter()
            .find(|f| f.key == key)
            .map(Field::value)
            .unwrap_or("")
    }

    fn error_of(form: &CampaignForm, key: &str) -> Option<String> {
        form.fields
            .iter()
            .find(|f| f.key == key)
            .and_then(|f| f.error.clone())
    }

    #[test]
    fn a_caller_id_pool_with_its_cap_and_local_presence() {
        let mut form = CampaignForm::new(None, CampaignSettings::default());
        set(&mut form, "name", "Renewals");
        set(&mut form, "agent", "renewals-agent");
        set(&mut form, "trunk", "ST_1");
        set(&mut form, "caller_id", "+12125550187, hello");
        assert!(form.command().is_none());
        assert!(error_of(&form, "caller_id").is_some_and(|e| e.starts_with("caller id 2 `hello`")));
        set(&mut form, "caller_id", "+12125550187, +13125550100");
        set(&mut form, "caller_id_daily_cap", "0");
        assert!(form.command().is_none());
        assert!(error_of(&form, "caller_id_daily_cap").is_some_and(|e| e.contains("at least 1")));
        set(&mut form, "caller_id_daily_cap", "150");
        set(&mut form, "local_presence", "no");
        set(&mut form, "rest_floor_pct", "30");
        let Some((_, Command::CreateCampaign(s))) = form.command() else {
            panic!("a valid pool is accepted");
        };
        assert_eq!(s.caller_ids.numbers(), ["+12125550187", "+13125550100"]);
        assert_eq!(s.caller_id_daily_cap, Some(150));
        assert_eq!(s.local_presence, Some(false));
        assert_eq!(s.rest_floor_pct, 30);
        // Shown back as it is read.
        let again = CampaignForm::new(None, *s);
        assert_eq!(value_of(&again, "caller_id"), "+12125550187,+13125550100");
        assert_eq!(value_of(&again, "local_presence"), "no");
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

    #[test]
    fn variants_are_typed_as_specs_and_keep_their_prompts() {
        let base = CampaignSettings {
            variants: vec![Variant {
                name: "B".into(),
                agent_name: "closer".into(),
                weight: 30,
                prompt: Some("be brief".into()),
            }],
            ..CampaignSettings::default()
        };
        let mut form = CampaignForm::new(None, base);
        assert_eq!(
            form.fields
                .iter()
                .find(|f| f.key == "variants")
                .unwrap()
                .value(),
            "B:closer:30"
        );
        set(&mut form, "name", "AB");
        set(&mut form, "agent", "caller");
        set(&mut form, "trunk", "ST_1");
        set(&mut form, "variants", "A::70, B:closer:30");
        set(&mut form, "agent_join_timeout_secs", "9");
        set(&mut form, "record", "yes");
        let s = form.settings().expect("valid");
        assert!(s.record);
        assert_eq!(s.variants.len(), 2);
        assert_eq!(s.variants[1].prompt.as_deref(), Some("be brief"));
        assert_eq!(s.agent_join_timeout_secs, 9);

        set(&mut form, "variants", "A::70, A::30");
        assert!(form.settings().is_none());
        assert!(error_of(&form, "variants").is_some_and(|e| e.contains("two variants")));
        set(&mut form, "variants", "A::x");
        assert!(form.settings().is_none());
        assert!(error_of(&form, "variants").is_some_and(|e| e.contains("whole number")));
        set(&mut form, "variants", "");
        set(&mut form, "agent_join_timeout_secs", "0");
        assert!(form.settings().is_none());
        assert!(
            error_of(&form, "agent_join_timeout_secs").is_some_and(|e| e.contains("at least 1"))
        );
    }

    #[test]
    fn a_running_campaign_opens_its_pace_and_size_and_locks_what_a_call_is() {
        use crate::tui::forms::Form;
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let settings = CampaignSettings {
            agent_name: "renewals-agent".into(),
            trunk_id: "ST_1".into(),
            name: "Renewals".into(),
            ..CampaignSettings::default()
        };
        let mut form = Form::Campaign(CampaignForm::while_running(CampaignId(4), settings));
        let at = |form: &Form, key: &str| match form {
            Form::Campaign(f) => f.fields.iter().position(|f| f.key == key).unwrap(),
            _ => unreachable!(),
        };
        let field = |form: &Form, key: &str| match form {
            Form::Campaign(f) => f.fields[at(form, key)].clone(),
            _ => unreachable!(),
        };
        let type_into = |form: &mut Form, key: &str, c: char| {
            let target = at(form, key);
            if let Form::Campaign(f) = form {
                f.focused = target;
            }
            form.edit(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        };
        type_into(&mut form, "agent", 'x');
        let agent = field(&form, "agent");
        assert_eq!(
            agent.value(),
            "renewals-agent",
            "locked: typing changes nothing"
        );
        assert_eq!(agent.error.as_deref(), Some(strings::LOCKED_WHILE_RUNNING));
        type_into(&mut form, "max_concurrent", '0');
        let concurrent = field(&form, "max_concurrent");
        assert!(concurrent.locked.is_none() && concurrent.error.is_none());
        assert!(concurrent.value().ends_with('0'), "{}", concurrent.value());
        let Form::Campaign(mut form) = form else {
            unreachable!()
        };
        match form.command() {
            Some((
                _,
                Command::UpdateCampaign {
                    id,
                    settings,
                    changed_by,
                },
            )) => {
                assert_eq!(id, CampaignId(4));
                assert_eq!(settings.agent_name, "renewals-agent");
                assert!(changed_by.ends_with("(console)"), "{changed_by}");
            }
            other => panic!("unexpected {other:?}: {:?}", form.fields),
        }
    }
}
