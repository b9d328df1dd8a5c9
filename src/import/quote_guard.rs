//! Watches the bytes on their way to the CSV reader for the two things the reader would
//! otherwise swallow whole, into memory and into one field: a quote that is never
//! closed (one stray `"Acme` turns every later row into part of one field) and a header
//! line with no end. It follows the reader's own rules (a quote opens a field only at
//! its start, `""` inside quotes is a literal quote, `\r` and `\n` end a record) and
//! stops the read with a [`StreamProblem`] as soon as a bound is passed, so memory stays
//! bounded by the bounds, whatever the file holds.
//!
//! It also bounds every record ([`MAX_LINE_BYTES`]), so a line of a gigabyte is stopped
//! at the bound instead of read whole, and notes (in [`LineProblems`]) a field that
//! spans lines but closes mid-text (`"Stray` … `other" text`), which is a stray quote
//! even where fields may hold line breaks: that record is rejected, not imported.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};
use thiserror::Error;

/// A quoted field with a line break in it may hold this many bytes; more is taken for
/// a quote never closed. (One without a line break is only a long field, and its row
/// is rejected for that.)
pub(super) const MAX_QUOTED_BYTES: u64 = 64 * 1024;
/// A quoted field may span this many line breaks (an address has a few).
pub(super) const MAX_QUOTED_LINES: u64 = 1000;
/// The header line ends within this many bytes of the start of the file.
pub(super) const MAX_HEADER_BYTES: u64 = 64 * 1024;
/// A line (a record, where fields hold line breaks) may be this long; a row of the
/// most columns at the longest fields a row may have is far shorter.
pub(super) const MAX_LINE_BYTES: u64 = 1024 * 1024;
/// How much of a runaway header an error quotes.
const HEADER_ECHO_BYTES: usize = 60;

/// Why the read was stopped; carried inside the `io::Error` the CSV reader passes on.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub(super) enum StreamProblem {
    #[error("a quote opened on line {line} is never closed ({runs})")]
    QuoteNeverClosed {
        /// The line of the opening quote.
        line: u64,
        /// The field it opens: its index in the record, 0-based.
        field: usize,
        /// Whether that record is the header.
        in_header: bool,
        runs: QuoteRun,
    },
    #[error("line {line} runs past {MAX_LINE_BYTES} bytes")]
    LineTooLong {
        /// The line the record starts on.
        line: u64,
    },
    #[error("the header line runs past {MAX_HEADER_BYTES} bytes")]
    HeaderTooLong {
        /// The header's first bytes, for the message.
        head: Vec<u8>,
    },
}

/// How far an unclosed quote ran before the read stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum QuoteRun {
    ToTheEndOfTheFile,
    PastTheLineLimit,
    PastTheByteLimit,
    /// The header, which must be one line.
    PastItsLine,
}

impl std::fmt::Display for QuoteRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QuoteRun::ToTheEndOfTheFile => write!(f, "the quoted text runs to the end of the file"),
            QuoteRun::PastTheLineLimit => write!(
                f,
                "the quoted text runs past {MAX_QUOTED_LINES} lines, the limit for one field"
            ),
            QuoteRun::PastTheByteLimit => write!(
                f,
                "the quoted text spans lines and runs past {} KiB, the limit for one field",
                MAX_QUOTED_BYTES / 1024
            ),
            QuoteRun::PastItsLine => write!(f, "the header must be one line"),
        }
    }
}

impl StreamProblem {
    /// The problem inside an error from the CSV reader, if that is what stopped it.
    pub fn of(error: &io::Error) -> Option<&StreamProblem> {
        error.get_ref()?.downcast_ref::<StreamProblem>()
    }
}

/// Rows to reject by the line they start on, and why: found while the bytes stream
/// past, taken by the import as it meets each record. Shared, because the CSV reader
/// owns the stream.
#[derive(Debug, Clone, Default)]
pub(super) struct LineProblems(Arc<Mutex<BTreeMap<u64, String>>>);

impl LineProblems {
    /// Notes why the row on `line` is rejected; the first reason noted stays.
    pub fn note(&self, line: u64, reason: String) {
        let mut lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        lines.entry(line).or_insert(reason);
    }

    /// Why the row on `line` is rejected, if it is.
    pub fn take(&self, line: u64) -> Option<String> {
        let mut lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        lines.remove(&line)
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before a record: blank lines are skipped here.
    RecordStart,
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside quotes: a second one is a literal quote, anything else closes it.
    QuoteInQuoted,
}

pub(super) struct QuoteGuard<R> {
    inner: R,
    delimiter: u8,
    state: State,
    line: u64,
    field: usize,
    records: u64,
    header_bytes: u64,
    head: Vec<u8>,
    /// Where the open quote began, and how much it holds so far.
    quote_line: u64,
    quote_field: usize,
    quoted_bytes: u64,
    quoted_lines: u64,
    /// Bytes of the record so far, and the line it starts on.
    record_bytes: u64,
    record_line: u64,
    problems: LineProblems,
    /// A problem found after bytes that were handed on: the next read's answer.
    pending: Option<StreamProblem>,
}

impl<R: Read> QuoteGuard<R> {
    pub fn new(inner: R, delimiter: u8, problems: LineProblems) -> Self {
        Self {
            inner,
            delimiter,
            state: State::RecordStart,
            line: 1,
            field: 0,
            records: 0,
            header_bytes: 0,
            head: Vec::with_capacity(HEADER_ECHO_BYTES),
            quote_line: 0,
            quote_field: 0,
            quoted_bytes: 0,
            quoted_lines: 0,
            record_bytes: 0,
            record_line: 1,
            problems,
            pending: None,
        }
    }

    fn quote_problem(&self, runs: QuoteRun) -> StreamProblem {
        StreamProblem::QuoteNeverClosed {
            line: self.quote_line,
            field: self.quote_field,
            in_header: self.records == 0,
            runs,
        }
    }

    /// Follows the reader's state over `bytes`; once a bound is passed, the problem and
    /// how many bytes came before it.
    fn watch(&mut self, bytes: &[u8]) -> Result<(), (usize, StreamProblem)> {
        for (at, &b) in bytes.iter().enumerate() {
            self.step(b).map_err(|problem| (at, problem))?;
        }
        Ok(())
    }

    /// One byte further through the reader's states.
    fn step(&mut self, b: u8) -> Result<(), StreamProblem> {
        let line_break = b == b'\n' || b == b'\r';
        if b == b'\n' {
            self.line += 1;
        }
        if self.records == 0 {
            self.header_bytes += 1;
            if self.head.len() < HEADER_ECHO_BYTES {
                self.head.push(b);
            }
            if self.header_bytes > MAX_HEADER_BYTES {
                return Err(StreamProblem::HeaderTooLong {
                    head: std::mem::take(&mut self.head),
                });
            }
        }
        if self.state == State::RecordStart && !line_break {
            self.record_bytes = 0;
            self.record_line = self.line;
        }
        self.record_bytes += 1;
        if self.record_bytes > MAX_LINE_BYTES {
            return Err(StreamProblem::LineTooLong {
                line: self.record_line,
            });
        }
        if self.state == State::QuoteInQuoted
            && b != b'"'
            && b != self.delimiter
            && !line_break
            && self.quoted_lines > 0
        {
            self.problems.note(
                self.record_line,
                format!(
                    "a quote opened on line {} closes only on line {}, with text after it, \
                     so lines {}–{} were read as one field: this row is rejected; fix the quote",
                    self.quote_line, self.line, self.quote_line, self.line
                ),
            );
        }
        self.state = match self.state {
            State::RecordStart if line_break => State::RecordStart,
            State::RecordStart | State::FieldStart if b == b'"' => {
                self.quote_line = self.line;
                self.quote_field = self.field;
                self.quoted_bytes = 0;
                self.quoted_lines = 0;
                State::Quoted
            }
            State::Quoted => {
                self.quoted_bytes += 1;
                self.quoted_lines += (b == b'\n') as u64;
                if self.quoted_lines > MAX_QUOTED_LINES {
                    return Err(self.quote_problem(QuoteRun::PastTheLineLimit));
                }
                if self.quoted_bytes > MAX_QUOTED_BYTES && self.quoted_lines > 0 {
                    return Err(self.quote_problem(QuoteRun::PastTheByteLimit));
                }
                if b == b'"' {
                    State::QuoteInQuoted
                } else {
                    State::Quoted
                }
            }
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            _ if b == self.delimiter => {
                self.field += 1;
                State::FieldStart
            }
            _ if line_break => {
                self.field = 0;
                self.records += 1;
                State::RecordStart
            }
            _ => State::Unquoted,
        };
        Ok(())
    }
}

/// The bytes before a problem are handed on first and the problem comes with the next
/// read, so the reader has finished every record before it (the header, above all:
/// its names are what the problem is told in) when it meets the error.
impl<R: Read> Read for QuoteGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let stopped = |problem| Err(io::Error::new(io::ErrorKind::InvalidData, problem));
        if let Some(problem) = self.pending.take() {
            return stopped(problem);
        }
        let n = self.inner.read(buf)?;
        if n == 0 && self.state == State::Quoted {
            return stopped(self.quote_problem(QuoteRun::ToTheEndOfTheFile));
        }
        match self.watch(&buf[..n]) {
            Ok(()) => Ok(n),
            Err((0, problem)) => stopped(problem),
            Err((before, problem)) => {
                self.pending = Some(problem);
                Ok(before)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `text` through the guard in small pieces; the problem, if any.
    fn problem(text: &[u8]) -> Option<StreamProblem> {
        let mut guard = QuoteGuard::new(text, b',', LineProblems::default());
        let mut buf = [0u8; 7];
        loop {
            match guard.read(&mut buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(StreamProblem::of(&e).unwrap().clone()),
            }
        }
    }

    #[test]
    fn well_formed_quotes_pass() {
        assert_eq!(
            problem(b"phone,name\n1,\"a\nb\"\n2,\"say \"\"hi\"\"\"\n"),
            None
        );
        assert_eq!(
            problem(b"phone,size\r\n1,5\" screen\r\n"),
            None,
            "a quote mid-field is text"
        );
        assert_eq!(problem(b"\n\nphone\n1\n"), None);
    }

    #[test]
    fn a_quote_left_open_at_the_end_is_reported_where_it_opened() {
        assert_eq!(
            problem(b"phone,company\n1,ok\n2,\"Acme\n3,x\n"),
            Some(StreamProblem::QuoteNeverClosed {
                line: 3,
                field: 1,
                in_header: false,
                runs: QuoteRun::ToTheEndOfTheFile
            })
        );
    }

    #[test]
    fn a_quote_closed_only_far_away_passes_a_bound() {
        let mut text = b"phone,company\n1,\"Acme\n".to_vec();
        for _ in 0..MAX_QUOTED_LINES {
            text.extend_from_slice(b"2,x\n");
        }
        text.extend_from_slice(b"3,\"Smith, J\"\n");
        assert!(matches!(
            problem(&text),
            Some(StreamProblem::QuoteNeverClosed {
                line: 2,
                runs: QuoteRun::PastTheLineLimit,
                ..
            })
        ));
        let long = [b"phone\n\"".as_slice(), &[b'x'; 70_000], b"\"\n"].concat();
        assert_eq!(
            problem(&long),
            None,
            "one long line is a long field, not a stray quote"
        );
        let long = [b"phone\n\"\n".as_slice(), &[b'x'; 70_000], b"\"\n"].concat();
        assert!(matches!(
            problem(&long),
            Some(StreamProblem::QuoteNeverClosed {
                runs: QuoteRun::PastTheByteLimit,
                ..
            })
        ));
    }

    #[test]
    fn a_header_without_an_end_is_stopped_at_the_bound() {
        let header = "c,".repeat(40_000);
        match problem(header.as_bytes()) {
            Some(StreamProblem::HeaderTooLong { head }) => {
                assert_eq!(head.len(), HEADER_ECHO_BYTES)
            }
            other => panic!("{other:?}"),
        }
        let fits = format!("{}\n1\n", "c".repeat(MAX_HEADER_BYTES as usize - 1));
        assert_eq!(problem(fits.as_bytes()), None);
    }
}
