//! Every campaign setting of the table (`domain::SETTINGS`) reaches every place an
//! operator or a client sets it: the CLI's `campaign edit --help`, the API's
//! `SettingsPatch` schema in the OpenAPI document, and the console's campaign form.
//! A setting cannot ship in one of them only.

use assert_cmd::Command;
use switchboard::domain::{CampaignSettings, SettingKind, SETTINGS};
use switchboard::tui::forms::campaign::CampaignForm;

#[test]
fn every_setting_is_a_flag_of_campaign_edit() {
    let out = Command::cargo_bin("switchboard")
        .unwrap()
        .args(["campaign", "edit", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let help = String::from_utf8(out.stdout).unwrap();
    for setting in SETTINGS {
        assert!(
            help.contains(&format!("--{}", setting.flag)),
            "--{} ({}) is not in `campaign edit --help`:\n{help}",
            setting.flag,
            setting.key
        );
        let first_words: String = setting
            .help
            .split_whitespace()
            .take(4)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            help.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(&first_words),
            "the help of --{} is not shown: {first_words:?}",
            setting.flag
        );
        if setting.kind == SettingKind::Switch && !setting.optional {
            assert!(help.contains(&format!("--no-{}", setting.flag)));
        }
    }
}

#[test]
fn every_setting_is_in_the_openapi_settings_patch() {
    let doc: serde_json::Value =
        serde_json::from_str(switchboard::service::api::openapi::json()).unwrap();
    let patch = &doc["components"]["schemas"]["SettingsPatch"]["properties"];
    for setting in SETTINGS {
        let property = &patch[setting.api];
        assert!(
            property.is_object(),
            "{} ({}) is not in the OpenAPI SettingsPatch",
            setting.api,
            setting.key
        );
        assert_eq!(property["description"], setting.help, "{}", setting.api);
    }
}

#[test]
fn every_setting_is_a_field_of_the_campaign_form() {
    let form = CampaignForm::new(None, CampaignSettings::default());
    for setting in SETTINGS {
        let field = form.fields.iter().find(|f| f.key == setting.key);
        assert!(
            field.is_some_and(|f| f.label == setting.label && f.hint == setting.hint),
            "{} is not a field of the campaign form",
            setting.key
        );
    }
    assert_eq!(form.fields.len(), SETTINGS.len());
}
