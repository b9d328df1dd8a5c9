//! The sandbox's outbound trunks: the configured ones plus those created through
//! `CreateSIPOutboundTrunk`, listed in id order a page at a time like LiveKit's store.

use std::sync::Mutex;

use livekit_protocol as proto;

use super::config::TrunkConfig;
use super::ids::new_id;
use super::lock::lock;
use super::twirp::TwirpError;

pub struct Trunks {
    items: Mutex<Vec<TrunkConfig>>,
    /// Trunks in one page when the request names no page size (or no page at all).
    default_page_size: usize,
}

impl Trunks {
    pub fn new(configured: Vec<TrunkConfig>, default_page_size: usize) -> Self {
        Self {
            items: Mutex::new(configured),
            default_page_size: default_page_size.max(1),
        }
    }

    pub fn get(&self, id: &str) -> Option<TrunkConfig> {
        lock(&self.items)
            .iter()
            .find(|t| t.sip_trunk_id == id)
            .cloned()
    }

    /// LiveKit's checks on a new trunk: a name or address to reach, numbers to present.
    pub fn create(&self, info: proto::SipOutboundTrunkInfo) -> Result<TrunkConfig, TwirpError> {
        if info.address.trim().is_empty() {
            return Err(TwirpError::invalid_argument("no trunk address specified"));
        }
        if info.address.starts_with("sip:") || info.address.starts_with("sips:") {
            return Err(TwirpError::invalid_argument(
                "trunk address should be a hostname or IP, not SIP URI",
            ));
        }
        if info.numbers.is_empty() {
            return Err(TwirpError::invalid_argument("no trunk numbers specified"));
        }
        let trunk = TrunkConfig {
            sip_trunk_id: new_id("ST_"),
            name: info.name,
            address: info.address,
            numbers: info.numbers,
            max_concurrent_calls: None,
            auth_username: info.auth_username,
            auth_password: info.auth_password,
            transport: info.transport,
        };
        lock(&self.items).push(trunk.clone());
        Ok(trunk)
    }

    pub fn delete(&self, id: &str) -> Result<TrunkConfig, TwirpError> {
        let mut items = lock(&self.items);
        let index = items
            .iter()
            .position(|t| t.sip_trunk_id == id)
            .ok_or_else(|| TwirpError::not_found("requested sip trunk does not exist"))?;
        Ok(items.remove(index))
    }

    /// One page: trunks after `page.after_id` in id order, at most `page.limit` of them.
    pub fn list(&self, req: &proto::ListSipOutboundTrunkRequest) -> Vec<TrunkConfig> {
        let (after_id, limit) = match &req.page {
            Some(page) if page.limit > 0 => (page.after_id.as_str(), page.limit as usize),
            Some(page) => (page.after_id.as_str(), self.default_page_size),
            None => ("", self.default_page_size),
        };
        let mut items: Vec<TrunkConfig> = lock(&self.items)
            .iter()
            .filter(|t| t.sip_trunk_id.as_str() > after_id)
            .filter(|t| req.trunk_ids.is_empty() || req.trunk_ids.contains(&t.sip_trunk_id))
            .filter(|t| req.numbers.is_empty() || t.numbers.iter().any(|n| req.numbers.contains(n)))
            .cloned()
            .collect();
        items.sort_by(|a, b| a.sip_trunk_id.cmp(&b.sip_trunk_id));
        items.truncate(limit);
        items
    }
}
