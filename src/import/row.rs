//! One CSV record to a lead, or the reason it cannot be one.

use super::{ColumnMap, MAX_FIELD_BYTES};
use crate::phone::{infer_timezone, PhoneNormalizer};
use crate::store::ImportedLead;
use csv::ByteRecord;
use encoding_rs::WINDOWS_1252;
use std::borrow::Cow;

/// What a good row gave, besides the lead.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RowNotes {
    /// Some field was not UTF-8 and was read as Windows-1252.
    pub windows_1252: bool,
    /// The time zone came from the number, not from a column.
    pub inferred_timezone: bool,
}

pub(super) struct RowReader<'a> {
    columns: &'a ColumnMap,
    normalizer: PhoneNormalizer,
    /// Variable keys, already JSON-quoted.
    quoted_keys: Vec<String>,
}

/// Text of a field: UTF-8 as is; anything else is read as Windows-1252 (what Excel
/// writes on Windows, and a superset of Latin-1 for printable text).
pub(super) fn decode<'b>(bytes: &'b [u8], windows_1252: &mut bool) -> Cow<'b, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            *windows_1252 = true;
            WINDOWS_1252.decode_without_bom_handling(bytes).0
        }
    }
}

impl<'a> RowReader<'a> {
    pub fn new(columns: &'a ColumnMap, normalizer: PhoneNormalizer) -> Self {
        let quoted_keys = columns
            .variables
            .iter()
            .map(|(_, key)| serde_json::to_string(key).unwrap_or_else(|_| "\"\"".into()))
            .collect();
        Self {
            columns,
            normalizer,
            quoted_keys,
        }
    }

    /// The lead in `record` (which starts at `line`), or why it is rejected. Another
    /// number that is not valid drops alone: its column and why go to `bad_alternates`
    /// (cleared first) and the lead keeps its other numbers.
    pub fn read(
        &self,
        record: &ByteRecord,
        line: u64,
        bad_alternates: &mut Vec<(usize, String)>,
    ) -> Result<(ImportedLead, RowNotes), String> {
        bad_alternates.clear();
        let cols = self.columns;
        let expected = cols.headers.len();
        if record.len() != expected {
            return Err(format!(
                "has {} field{}, the header has {expected}",
                record.len(),
                if record.len() == 1 { "" } else { "s" }
            ));
        }
        for (i, field) in record.iter().enumerate() {
            if field.len() > MAX_FIELD_BYTES {
                return Err(format!(
                    "field `{}` is {} bytes long (the limit is {MAX_FIELD_BYTES})",
                    cols.headers[i],
                    field.len()
                ));
            }
            if field.contains(&0) {
                return Err(format!("field `{}` contains NUL bytes", cols.headers[i]));
            }
        }
        let mut notes = RowNotes::default();
        let field = |i: usize, notes: &mut RowNotes| -> String {
            decode(&record[i], &mut notes.windows_1252)
                .trim()
                .to_string()
        };
        let phone = self
            .normalizer
            .normalize(&decode(&record[cols.phone], &mut notes.windows_1252))
            .map_err(|e| format!("phone: {e}"))?;
        let mut alternates = Vec::new();
        for &column in &cols.alternates {
            let raw = decode(&record[column], &mut notes.windows_1252);
            if raw.trim().is_empty() {
                continue;
            }
            match self.normalizer.normalize(&raw) {
                Ok(number) if number == phone => {}
                Ok(number) if alternates.iter().any(|(n, _)| *n == number) => {}
                Ok(number) => alternates.push((number, cols.headers[column].clone())),
                Err(e) => bad_alternates.push((column, e.to_string())),
            }
        }
        let priority = match cols.priority.map(|i| field(i, &mut notes)) {
            None => 0,
            Some(p) if p.is_empty() => 0,
            Some(p) => p
                .parse::<i64>()
                .map_err(|_| format!("priority `{p}` is not a whole number"))?,
        };
        let timezone = match cols
            .timezone
            .map(|i| field(i, &mut notes))
            .filter(|t| !t.is_empty())
        {
            Some(tz) => match tz.parse::<chrono_tz::Tz>() {
                Ok(zone) => Some(zone.name().to_string()),
                Err(_) => {
                    return Err(format!(
                        "time zone `{tz}` is not an IANA zone name such as America/Chicago"
                    ));
                }
            },
            None => {
                let inferred = infer_timezone(&phone);
                notes.inferred_timezone = inferred.is_some();
                inferred.map(|zone| zone.name().to_string())
            }
        };
        let name = match (cols.name, cols.first_name, cols.last_name) {
            (Some(i), _, _) => field(i, &mut notes),
            (None, first, last) => {
                let parts = [first, last]
                    .into_iter()
                    .flatten()
                    .map(|i| field(i, &mut notes));
                parts
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        };
        let mut variables_json = String::with_capacity(2 + 24 * self.quoted_keys.len());
        variables_json.push('{');
        for (n, ((i, _), key)) in cols.variables.iter().zip(&self.quoted_keys).enumerate() {
            if n > 0 {
                variables_json.push(',');
            }
            variables_json.push_str(key);
            variables_json.push(':');
            let value = decode(&record[*i], &mut notes.windows_1252);
            variables_json
                .push_str(&serde_json::to_string(value.as_ref()).unwrap_or_else(|_| "\"\"".into()));
        }
        variables_json.push('}');
        let lead = ImportedLead {
            line,
            phone,
            name: (!name.is_empty()).then_some(name),
            timezone,
            priority,
            variables_json,
            alternates,
        };
        Ok((lead, notes))
    }
}

/// The line a record starts on. `csv` gives the position where it began looking, which
/// is before any blank lines it skipped, so count back from where the record ended
/// (`line_after`, the reader's line once the record is read) by the newlines inside
/// it. (A last record with no newline after it is taken as ending in one, so blank
/// lines right before such a record are not skipped in the count.)
pub fn record_start_line(record: &ByteRecord, line_after: u64) -> u64 {
    let begun = record.position().map(|p| p.line()).unwrap_or(1);
    let inner_newlines = record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
    let blank_lines = line_after.saturating_sub(begun + 1 + inner_newlines);
    begun + blank_lines
}
