//! One line, one row: how a file is read when its fields are not meant to hold line
//! breaks (no `--multiline-fields`, and the sniffed start of the file shows none that
//! look deliberate). A quote that does not close on its own line is then a stray one:
//! read as CSV, it would join every line up to the next quote into one field, and one
//! lead's name would hold dozens of other leads. Instead the line that opens it and
//! the line that closes it are rejected (each naming the other) and the lines between
//! are read again as the rows they are: nothing merged, nothing lost.
//!
//! Lines are read with a bound ([`MAX_LINE_BYTES`]), so a line of a gigabyte stops the
//! read at the bound instead of being held whole. What is handed on to the CSV reader
//! is the file with each stray quote closed at the end of its line, so every record is
//! one line.

use super::quote_guard::{LineProblems, MAX_QUOTED_LINES};
use super::quote_guard::{QuoteRun, StreamProblem, MAX_LINE_BYTES, MAX_QUOTED_BYTES};
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read};

/// The hint every stray-quote reason ends with.
pub(super) const MULTILINE_HINT: &str =
    "fix the quote, or pass --multiline-fields (`multilineFields` in the API) if fields hold line breaks";

/// Where a CSV scan of the bytes stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scanning {
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside quotes: a second one is a literal quote, anything else closes it.
    QuoteInQuoted,
}

/// Follows the CSV reader's quoting rules over a record, line by line.
struct Scan {
    delimiter: u8,
    state: Scanning,
    field: usize,
    /// The field the open quote began in.
    open_field: usize,
}

impl Scan {
    fn new(delimiter: u8) -> Self {
        Self {
            delimiter,
            state: Scanning::FieldStart,
            field: 0,
            open_field: 0,
        }
    }

    /// Feeds one line (with its line break); whether a quote that was open closed in it.
    fn feed(&mut self, line: &[u8]) -> bool {
        let mut closed = false;
        for &b in line {
            self.state = match self.state {
                Scanning::FieldStart if b == b'"' => {
                    self.open_field = self.field;
                    Scanning::Quoted
                }
                Scanning::Quoted if b == b'"' => Scanning::QuoteInQuoted,
                Scanning::Quoted => Scanning::Quoted,
                Scanning::QuoteInQuoted if b == b'"' => Scanning::Quoted,
                state => {
                    closed |= state == Scanning::QuoteInQuoted;
                    if b == self.delimiter {
                        self.field += 1;
                        Scanning::FieldStart
                    } else if b == b'\n' || b == b'\r' {
                        self.field = 0;
                        Scanning::FieldStart
                    } else {
                        Scanning::Unquoted
                    }
                }
            };
        }
        closed
    }

    fn open(&self) -> bool {
        self.state == Scanning::Quoted
    }
}

pub(super) struct LineRows<R> {
    inner: BufReader<R>,
    delimiter: u8,
    /// The number of the next line read from `inner`.
    next_line: u64,
    /// Lines read to find where a quote closes, not yet handed on.
    ahead: VecDeque<(u64, Vec<u8>)>,
    /// The line being handed on, and how much of it has been.
    out: Vec<u8>,
    sent: usize,
    seen_header: bool,
    problems: LineProblems,
}

impl<R: Read> LineRows<R> {
    pub fn new(inner: R, delimiter: u8, problems: LineProblems) -> Self {
        Self {
            inner: BufReader::with_capacity(64 * 1024, inner),
            delimiter,
            next_line: 1,
            ahead: VecDeque::new(),
            out: Vec::new(),
            sent: 0,
            seen_header: false,
            problems,
        }
    }

    /// The next line of the file, with its line break; `None` at the end.
    fn read_line(&mut self) -> io::Result<Option<(u64, Vec<u8>)>> {
        let mut line = Vec::new();
        (&mut self.inner)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut line)?;
        if line.is_empty() {
            return Ok(None);
        }
        let number = self.next_line;
        // A header past its own, shorter bound is the quote guard's to report.
        if line.len() as u64 > MAX_LINE_BYTES && self.seen_header {
            return Err(stopped(StreamProblem::LineTooLong { line: number }));
        }
        self.next_line += 1;
        Ok(Some((number, line)))
    }

    /// The next line to hand on: one read ahead first, else a new one.
    fn next(&mut self) -> io::Result<Option<(u64, Vec<u8>)>> {
        match self.ahead.pop_front() {
            Some(line) => Ok(Some(line)),
            None => self.read_line(),
        }
    }

    /// Prepares the next line in `out`; false at the end of the file.
    fn prepare(&mut self) -> io::Result<bool> {
        let Some((number, mut line)) = self.next()? else {
            return Ok(false);
        };
        let blank = line.iter().all(|&b| b == b'\n' || b == b'\r');
        let is_header = !blank && !self.seen_header;
        self.seen_header |= !blank;
        let mut scan = Scan::new(self.delimiter);
        scan.feed(&line);
        if scan.open() {
            let runs = QuoteRun::PastItsLine;
            if is_header {
                return Err(stopped(StreamProblem::QuoteNeverClosed {
                    line: number,
                    field: scan.open_field,
                    in_header: true,
                    runs,
                }));
            }
            let closes = match self.find_close(&mut scan)? {
                Ok(closes) => closes,
                Err(runs) => {
                    return Err(stopped(StreamProblem::QuoteNeverClosed {
                        line: number,
                        field: scan.open_field,
                        in_header: false,
                        runs,
                    }))
                }
            };
            self.problems.note(
                number,
                format!(
                    "a quote opened here closes only on line {closes}, so lines {number}–{closes} \
                     would be read as one row: this row is rejected and the lines after it \
                     read as rows of their own; {MULTILINE_HINT}"
                ),
            );
            self.problems.note(
                closes,
                format!(
                    "closes a quote opened on line {number} (rejected too), so lines \
                     {number}–{closes} would be read as one row: this row is rejected; \
                     {MULTILINE_HINT}"
                ),
            );
            // Closed where the line ends, the quote keeps the row to its own line.
            let end = line
                .iter()
                .rposition(|&b| b != b'\n' && b != b'\r')
                .map_or(0, |i| i + 1);
            line.insert(end, b'"');
        }
        self.out = line;
        self.sent = 0;
        Ok(true)
    }

    /// Reads ahead, keeping the lines in `ahead`, to the line where the quote open in
    /// `scan` closes; how far it ran when it does not close within the bounds.
    fn find_close(&mut self, scan: &mut Scan) -> io::Result<Result<u64, QuoteRun>> {
        let mut bytes = 0u64;
        let mut at = 0;
        loop {
            if at == self.ahead.len() {
                match self.read_line()? {
                    Some(line) => self.ahead.push_back(line),
                    None => return Ok(Err(QuoteRun::ToTheEndOfTheFile)),
                }
            }
            let (number, line) = &self.ahead[at];
            bytes += line.len() as u64;
            if at as u64 >= MAX_QUOTED_LINES {
                return Ok(Err(QuoteRun::PastTheLineLimit));
            }
            if bytes > MAX_QUOTED_BYTES {
                return Ok(Err(QuoteRun::PastTheByteLimit));
            }
            // A quote closed by the file's last byte closes too.
            let last = at + 1 == self.ahead.len() && !line.ends_with(b"\n");
            if scan.feed(line) || (last && scan.state == Scanning::QuoteInQuoted) {
                return Ok(Ok(*number));
            }
            at += 1;
        }
    }
}

fn stopped(problem: StreamProblem) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, problem)
}

impl<R: Read> Read for LineRows<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.sent == self.out.len() && !self.prepare()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.sent);
        buf[..n].copy_from_slice(&self.out[self.sent..self.sent + n]);
        self.sent += n;
        Ok(n)
    }
}

/// Whether the start of a file shows fields meant to hold line breaks: at least one
/// quoted field spans lines, and every one that does closes where a field ends (not
/// mid-text, as a stray quote meeting the next quote does) within a few lines, as an
/// address does.
pub(super) fn multiline_fields_intended(text: &[u8], delimiter: u8) -> bool {
    /// An address or a note has a few lines; a stray quote swallows many.
    const MAX_INTENDED_LINES: usize = 10;
    let mut scan = Scan::new(delimiter);
    let mut spanning = 0;
    let mut open_for = 0;
    let mut lines = text.split_inclusive(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let was_open = scan.open();
        let mut closed_at = None;
        let mut probe = Scan {
            delimiter,
            state: scan.state,
            field: scan.field,
            open_field: scan.open_field,
        };
        for (i, &b) in line.iter().enumerate() {
            let before = probe.state;
            probe.feed(&[b]);
            if was_open && closed_at.is_none() && before == Scanning::QuoteInQuoted && b != b'"' {
                closed_at = Some(i);
            }
        }
        if was_open {
            open_for += 1;
            if open_for > MAX_INTENDED_LINES {
                return false;
            }
            if let Some(i) = closed_at {
                let b = line[i];
                if b != delimiter && b != b'\n' && b != b'\r' {
                    return false;
                }
                spanning += 1;
            } else if probe.state == Scanning::QuoteInQuoted && lines.peek().is_none() {
                spanning += 1;
            }
        }
        scan = probe;
        if !scan.open() {
            open_for = 0;
        }
    }
    spanning > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> (Result<Vec<u8>, StreamProblem>, LineProblems) {
        let problems = LineProblems::default();
        let mut rows = LineRows::new(text, b',', problems.clone());
        let mut out = Vec::new();
        let result = match rows.read_to_end(&mut out) {
            Ok(_) => Ok(out),
            Err(e) => Err(StreamProblem::of(&e).unwrap().clone()),
        };
        (result, problems)
    }

    #[test]
    fn a_stray_quote_is_closed_on_its_line_and_both_ends_noted() {
        let (out, problems) = read(b"phone,name\n1,\"Ann\n2,Bo\n3,Cy\" x\n4,Di\n");
        assert_eq!(
            out.unwrap(),
            b"phone,name\n1,\"Ann\"\n2,Bo\n3,Cy\" x\n4,Di\n"
        );
        assert!(problems.take(2).unwrap().contains("closes only on line 4"));
        assert!(problems.take(4).unwrap().contains("opened on line 2"));
        assert_eq!(problems.take(3), None);
    }

    #[test]
    fn well_formed_lines_pass_unchanged() {
        let text = b"phone,name\r\n1,\"a, \"\"b\"\"\"\r\n2,5\" screen\r\n\r\n3,x";
        let (out, problems) = read(text);
        assert_eq!(out.unwrap(), text);
        assert!(problems.is_empty());
    }

    #[test]
    fn a_quote_never_closed_and_a_header_quote_stop_the_read() {
        assert!(matches!(
            read(b"phone,name\n1,\"Ann\n2,Bo\n").0,
            Err(StreamProblem::QuoteNeverClosed {
                line: 2,
                field: 1,
                runs: QuoteRun::ToTheEndOfTheFile,
                ..
            })
        ));
        assert!(matches!(
            read(b"phone,\"name\n1,Ann\"\n").0,
            Err(StreamProblem::QuoteNeverClosed {
                line: 1,
                in_header: true,
                ..
            })
        ));
    }

    #[test]
    fn a_line_past_the_bound_stops_the_read() {
        let long = [
            b"phone\n1\n".as_slice(),
            &vec![b'9'; MAX_LINE_BYTES as usize + 10],
        ]
        .concat();
        assert_eq!(read(&long).0, Err(StreamProblem::LineTooLong { line: 3 }));
    }

    #[test]
    fn addresses_are_intended_and_stray_quotes_are_not() {
        let addresses = b"phone,address\n1,\"1 Main St\nApt 2\"\n2,\"3 Oak\nSuite 4\"\n";
        assert!(multiline_fields_intended(addresses, b','));
        assert!(!multiline_fields_intended(b"phone,name\n1,Ann\n", b','));
        let stray = b"phone,name\n1,\"Ann\n2,Bo\n3,Cy\" x\n";
        assert!(
            !multiline_fields_intended(stray, b','),
            "text after the close"
        );
        let mut long = b"phone,name\n1,\"Ann\n".to_vec();
        for _ in 0..20 {
            long.extend_from_slice(b"2,Bo\n");
        }
        long.extend_from_slice(b"3,Cy\"\n");
        assert!(!multiline_fields_intended(&long, b','), "too many lines");
    }
}
