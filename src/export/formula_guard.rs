//! CSV injection (OWASP "CSV Injection"): a spreadsheet opening a CSV runs a cell that
//! starts with `=`, `+`, `-` or `@` as a formula (`=HYPERLINK(...)`, a DDE
//! `=cmd|' /C calc'!A0`), and a leading tab or carriage return can hide such a start.
//! Names, variables and rejected rows come from whoever wrote the leads file, so every
//! CSV Switchboard writes passes each cell through [`guard_cell`]. JSON is not opened by
//! spreadsheets and stays as it was.
//!
//! One exception, on purpose: a cell that is a sign followed only by digits, spaces,
//! `(`, `)`, `-` and `.` (`+15551234567`, `+1 (555) 123-4567`, `-3.5`) is left alone. A
//! spreadsheet can only read it as a number or arithmetic on numbers: no function, no
//! reference, no DDE. Prefixing it would break every E.164 phone column and every
//! negative number in an export, and a rejects file could no longer be re-imported.

use std::borrow::Cow;

/// The cell as it may be written to a CSV: unchanged, or with a leading `'` when a
/// spreadsheet would take it for a formula.
pub fn guard_cell(cell: &[u8]) -> Cow<'_, [u8]> {
    let risky = match cell.first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => !only_number_characters(&cell[1..]),
        _ => false,
    };
    if risky {
        let mut guarded = Vec::with_capacity(cell.len() + 1);
        guarded.push(b'\'');
        guarded.extend_from_slice(cell);
        Cow::Owned(guarded)
    } else {
        Cow::Borrowed(cell)
    }
}

fn only_number_characters(rest: &[u8]) -> bool {
    rest.iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'(' | b')' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded(cell: &str) -> String {
        String::from_utf8(guard_cell(cell.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn formula_starts_get_a_leading_quote() {
        for payload in [
            "=HYPERLINK(\"http://x\")",
            "=cmd|' /C calc'!A0",
            "+SUM(1+1)",
            "-2+3+cmd|' /C calc'!A0",
            "@cmd",
            "\t=1+1",
            "\r=1+1",
            "=",
            "@",
        ] {
            assert_eq!(guarded(payload), format!("'{payload}"), "{payload:?}");
        }
    }

    #[test]
    fn text_phone_numbers_and_negative_numbers_stay_as_they_are() {
        for cell in [
            "",
            "Ada Lovelace",
            "+15551234567",
            "+1 (555) 123-4567",
            "-3.5",
            "-",
            "2125550101",
            "a=b",
            " =1+1",
        ] {
            assert_eq!(guarded(cell), cell, "{cell:?}");
        }
    }
}
