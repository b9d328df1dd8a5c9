//! `--rejects FILE`: every rejected row with its original fields plus `line` and
//! `reason` columns, so it can be fixed in a spreadsheet and imported again.

use csv::{ByteRecord, Writer, WriterBuilder};
use std::io::Write;

pub(super) struct RejectsFile {
    writer: Writer<Box<dyn Write + Send>>,
}

impl RejectsFile {
    /// Writes the header (the original one plus `line`, `reason`) at once, so even an
    /// import with no rejects leaves a well-formed file.
    pub fn start(
        out: Box<dyn Write + Send>,
        header: &ByteRecord,
        delimiter: u8,
    ) -> std::io::Result<Self> {
        let mut writer = WriterBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_writer(out);
        let mut first = header.clone();
        first.push_field(b"line");
        first.push_field(b"reason");
        writer.write_byte_record(&first)?;
        Ok(Self { writer })
    }

    pub fn write(&mut self, record: &ByteRecord, line: u64, reason: &str) -> std::io::Result<()> {
        let mut row = record.clone();
        row.push_field(line.to_string().as_bytes());
        row.push_field(reason.as_bytes());
        self.writer.write_byte_record(&row)?;
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}
