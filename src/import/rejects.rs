//! `--rejects FILE`: every rejected row with its original fields plus `line` and
//! `reason` columns, so it can be fixed in a spreadsheet and imported again. It is
//! opened in a spreadsheet, so its cells are defused like an export's ([`guard_cell`]).

use crate::export::guard_cell;
use csv::{ByteRecord, Writer, WriterBuilder};
use std::io::Write;

pub(super) struct RejectsFile {
    writer: Writer<Box<dyn Write + Send>>,
    /// Original cells kept per row: a rejects file imported again has its old `line`
    /// and `reason` replaced, not repeated.
    keep: usize,
}

impl RejectsFile {
    /// Writes the header (the original one plus `line`, `reason`) at once, so even an
    /// import with no rejects leaves a well-formed file.
    pub fn start(
        out: Box<dyn Write + Send>,
        header: &ByteRecord,
        delimiter: u8,
        old_rejects_columns: usize,
    ) -> std::io::Result<Self> {
        let writer = WriterBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_writer(out);
        let keep = match old_rejects_columns {
            0 => usize::MAX,
            n => header.len().saturating_sub(n),
        };
        let mut writer = Self { writer, keep };
        writer.write_guarded(header, &[b"line", b"reason"])?;
        Ok(writer)
    }

    pub fn write(&mut self, record: &ByteRecord, line: u64, reason: &str) -> std::io::Result<()> {
        self.write_guarded(record, &[line.to_string().as_bytes(), reason.as_bytes()])
    }

    fn write_guarded(&mut self, record: &ByteRecord, extra: &[&[u8]]) -> std::io::Result<()> {
        let cells = record
            .iter()
            .take(self.keep)
            .chain(extra.iter().copied())
            .map(guard_cell);
        self.writer.write_record(cells)?;
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}
