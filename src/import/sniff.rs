//! What the first bytes of a file say before the CSV reader sees it: a UTF-8 byte
//! order mark to skip, a binary or UTF-16 file to refuse, and which delimiter the
//! header line uses.

use super::ImportError;

/// How much of the file is looked at up front.
pub(super) const SNIFF_BYTES: usize = 64 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Delimiters spreadsheets write, in the order ties are broken.
const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sniffed {
    /// Bytes to skip (a UTF-8 BOM) before the header.
    pub skip: usize,
    pub delimiter: u8,
}

/// Looks at the start of the file. `forced_delimiter` (from `--delimiter`) wins over
/// what the header suggests.
pub(super) fn sniff(prefix: &[u8], forced_delimiter: Option<u8>) -> Result<Sniffed, ImportError> {
    if prefix.starts_with(b"\xFF\xFE") || prefix.starts_with(b"\xFE\xFF") {
        return Err(ImportError::Utf16);
    }
    if let Some(offset) = prefix.iter().position(|&b| b == 0) {
        return Err(ImportError::Binary { offset });
    }
    let skip = if prefix.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    let text = &prefix[skip..];
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::Empty);
    }
    let delimiter = forced_delimiter.unwrap_or_else(|| guess_delimiter(header_line(text)));
    Ok(Sniffed { skip, delimiter })
}

/// The first non-blank line.
fn header_line(text: &[u8]) -> &[u8] {
    text.split(|&b| b == b'\n')
        .find(|line| !line.iter().all(|b| b.is_ascii_whitespace()))
        .unwrap_or(text)
}

/// The candidate that appears most often outside quotes in a header line; `,` when
/// none does.
pub fn guess_delimiter(header: &[u8]) -> u8 {
    let mut counts = [0usize; CANDIDATES.len()];
    let mut quoted = false;
    for &b in header {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..CANDIDATES.len())
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        CANDIDATES[best]
    }
}

/// `--delimiter` as typed: one ASCII character, or the names `tab`, `\t`, `semicolon`.
pub fn parse_delimiter(raw: &str) -> Result<u8, ImportError> {
    match raw {
        "\\t" | "tab" | "TAB" => Ok(b'\t'),
        "semicolon" => Ok(b';'),
        "comma" => Ok(b','),
        "pipe" => Ok(b'|'),
        s if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" => Ok(s.as_bytes()[0]),
        other => Err(ImportError::BadDelimiter(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_decides_the_delimiter() {
        assert_eq!(sniff(b"phone,name\n1,2\n", None).unwrap().delimiter, b',');
        assert_eq!(sniff(b"phone;name;city\n", None).unwrap().delimiter, b';');
        assert_eq!(sniff(b"phone\tname\n", None).unwrap().delimiter, b'\t');
        assert_eq!(
            sniff(b"\"a,b\";c\n", None).unwrap().delimiter,
            b';',
            "quoted commas do not count"
        );
        assert_eq!(sniff(b"phone\n", None).unwrap().delimiter, b',');
        assert_eq!(sniff(b"phone;name\n", Some(b',')).unwrap().delimiter, b',');
    }

    #[test]
    fn bom_binary_utf16_and_empty_files() {
        assert_eq!(sniff(b"\xEF\xBB\xBFphone\n", None).unwrap().skip, 3);
        assert!(matches!(
            sniff(b"PK\x03\x04\x00\x00", None),
            Err(ImportError::Binary { offset: 4 })
        ));
        assert!(matches!(
            sniff(b"\xFF\xFEp\x00", None),
            Err(ImportError::Utf16)
        ));
        assert!(matches!(sniff(b"", None), Err(ImportError::Empty)));
        assert!(matches!(
            sniff(b"\xEF\xBB\xBF \n\n", None),
            Err(ImportError::Empty)
        ));
    }

    #[test]
    fn delimiter_flag_spellings() {
        assert_eq!(parse_delimiter("\\t").unwrap(), b'\t');
        assert_eq!(parse_delimiter("tab").unwrap(), b'\t');
        assert_eq!(parse_delimiter(";").unwrap(), b';');
        assert!(parse_delimiter(";;").is_err());
        assert!(parse_delimiter("\"").is_err());
    }
}
