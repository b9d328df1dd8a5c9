//! Put a number on a do-not-call list: this campaign's or every campaign's.

use super::field::Field;
use crate::domain::CampaignId;
use crate::engine::Command;
use crate::tui::strings;

#[derive(Debug, Clone)]
pub struct DncForm {
    pub campaign: Option<CampaignId>,
    pub fields: Vec<Field>,
    pub focused: usize,
    region: String,
}

impl DncForm {
    pub fn new(campaign: Option<CampaignId>, phone: &str, region: &str) -> DncForm {
        DncForm {
            campaign,
            fields: vec![
                Field::new(
                    "phone",
                    "Number",
                    phone,
                    "any format; +country code or the default region",
                ),
                Field::new(
                    "scope",
                    "Applies to",
                    if campaign.is_some() {
                        "campaign"
                    } else {
                        "all"
                    },
                    "campaign (this one) or all",
                ),
                Field::new("reason", "Reason", "", "optional, kept with the entry"),
            ],
            focused: 0,
            region: region.to_owned(),
        }
    }

    pub fn command(&mut self) -> Option<(String, Command)> {
        for f in &mut self.fields {
            f.error = None;
        }
        let region = match crate::phone::parse_region(&self.region) {
            Ok(region) => region,
            Err(e) => {
                self.fields[0].error = Some(e.to_string());
                return None;
            }
        };
        let phone =
            match crate::phone::PhoneNormalizer::new(region).normalize(self.fields[0].value()) {
                Ok(phone) => phone,
                Err(e) => {
                    self.fields[0].error = Some(e.to_string());
                    self.focused = 0;
                    return None;
                }
            };
        let campaign = match self.fields[1].value() {
            "campaign" | "this" if self.campaign.is_some() => self.campaign,
            "all" | "every" | "global" => None,
            _ => {
                self.fields[1].error = Some(
                    if self.campaign.is_some() {
                        "campaign or all"
                    } else {
                        "all (no campaign selected)"
                    }
                    .into(),
                );
                self.focused = 1;
                return None;
            }
        };
        let reason = self.fields[2].optional();
        Some((
            strings::add_dnc(&phone),
            Command::MarkDnc {
                phone,
                campaign,
                reason,
            },
        ))
    }
}
