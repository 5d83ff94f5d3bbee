//! Splitting a CSV log into rows, and recovering from damage without losing good rows.
//!
//! The writer puts every row at the start of a line and ends it with a line end. A field
//! is quoted when it holds a comma, a quote (doubled inside) or a line end, so one row can
//! span several lines (a `fail`'s multi-line `exc_text`). The reader follows exactly that
//! grammar, strictly: a quote in the middle of an unquoted field, or text after a closing
//! quote, makes the row damaged. A row counts only once its line end is in the file.
//!
//! Damage must cost only the damaged lines, so the reader never lets one bad row decide
//! where the next one starts:
//!
//! * a row that does not parse costs its first line: reading resumes on the line after
//!   it, and lines that cannot start a row (no task name followed by a timestamp) are
//!   skipped with it, in one warning;
//! * a quoted field may only run onto the next line in the columns that hold free text
//!   (`task_name`, `message`, `exc_text`) and only after columns that parse: a stray quote
//!   elsewhere is damage on its own line, not a field that swallows the rows after it;
//! * a row still open at the end of the file (no line end, or inside quotes) is torn:
//!   skipped, and [`Scan::torn`] tells the writer what to append so that it stays
//!   unparseable however the file grows (see [`super::tail`]).
//!
//! Blank lines are ignored; a `\r` before a line end (CRLF files) is part of the line end.

use std::io::{self, BufRead, Seek, SeekFrom};

use super::format::{self, Fields, COLUMNS};
use super::tail::{Torn, SPOIL_QUOTED};

/// Where a byte leaves the row grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` seen inside a quoted field: the closing quote or the first half of `""`.
    QuoteInQuoted,
}

/// The fields of one row being read, unescaped, and how far the row got.
#[derive(Debug, Default)]
pub(super) struct Row {
    bytes: Vec<u8>,
    /// The end of each finished field in `bytes`.
    ends: Vec<usize>,
    state: Option<State>,
    /// The row reached its line end.
    ended: bool,
    /// Why the row cannot be a record, found while splitting it.
    broken: Option<&'static str>,
}

impl Fields for Row {
    fn len(&self) -> usize {
        Row::len(self)
    }
    fn bytes(&self) -> &[u8] {
        Row::bytes(self)
    }
    fn span(&self, i: usize) -> (usize, usize) {
        Row::span(self, i)
    }
    fn field(&self, i: usize) -> &[u8] {
        Row::field(self, i)
    }
}

impl Row {
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.state = Some(State::FieldStart);
        self.ended = false;
        self.broken = None;
    }

    /// The number of finished fields.
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `i` (finished fields only).
    pub(super) fn field(&self, i: usize) -> &[u8] {
        let (start, end) = self.span(i);
        &self.bytes[start..end]
    }

    /// Where field `i` lies in [`Row::bytes`].
    pub(super) fn span(&self, i: usize) -> (usize, usize) {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (start, self.ends[i])
    }

    /// The unescaped bytes of the fields, one after the other.
    pub(super) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn end_field(&mut self) {
        self.ends.push(self.bytes.len());
        self.state = Some(State::FieldStart);
    }

    /// Ends the row at a line end; a `\r` just before it belongs to the line end.
    fn end_row(&mut self) {
        let start = self.ends.last().copied().unwrap_or(0);
        if self.state == Some(State::Unquoted) && self.bytes.len() > start {
            if let Some(b'\r') = self.bytes.last() {
                self.bytes.pop();
            }
        }
        self.end_field();
        self.ended = true;
    }

    /// Feeds one line (with its `\n`, if it has one) to the row.
    fn feed(&mut self, line: &[u8]) {
        let mut i = 0;
        while i < line.len() && !self.ended && self.broken.is_none() {
            match self.state.unwrap_or(State::FieldStart) {
                State::FieldStart if line[i] == b'"' => {
                    self.state = Some(State::Quoted);
                    i += 1;
                }
                State::FieldStart | State::Unquoted => {
                    self.state = Some(State::Unquoted);
                    let rest = &line[i..];
                    let Some(j) = find(rest, [b',', b'\n', b'"']) else {
                        self.bytes.extend_from_slice(rest);
                        return;
                    };
                    self.bytes.extend_from_slice(&rest[..j]);
                    match rest[j] {
                        b',' => self.end_field(),
                        b'\n' => self.end_row(),
                        _ => self.broken = Some("a quote in the middle of an unquoted field"),
                    }
                    i += j + 1;
                }
                State::Quoted => {
                    let rest = &line[i..];
                    let Some(j) = find(rest, [b'"'; 3]) else {
                        self.bytes.extend_from_slice(rest);
                        return;
                    };
                    self.bytes.extend_from_slice(&rest[..j]);
                    self.state = Some(State::QuoteInQuoted);
                    i += j + 1;
                }
                State::QuoteInQuoted => {
                    match (line[i], line.get(i + 1)) {
                        (b'"', _) => {
                            self.bytes.push(b'"');
                            self.state = Some(State::Quoted);
                        }
                        (b',', _) => self.end_field(),
                        (b'\n', _) | (b'\r', Some(b'\n')) => {
                            self.end_field();
                            self.ended = true;
                        }
                        _ => self.broken = Some("text after the closing quote of a field"),
                    }
                    i += 1;
                }
            }
        }
    }

    /// Whether the row stopped inside a quoted field.
    fn in_quotes(&self) -> bool {
        self.state == Some(State::Quoted)
    }

    /// Whether the finished fields could begin a record (the checks `parse` makes on
    /// them), with `open` the column of the field still open.
    fn plausible_prefix(&self, open: usize) -> Result<(), String> {
        for i in 0..self.len().min(COLUMNS.len()) {
            format::check_field(i, self.field(i))?;
        }
        if open >= COLUMNS.len() {
            return Err(format!("more than {} fields", COLUMNS.len()));
        }
        Ok(())
    }

    /// Whether this line, read on its own, starts like a row: a task name, then a
    /// timestamp. Where reading resumes after damage.
    fn looks_like_a_row(&self) -> bool {
        self.broken.is_none()
            && self.len() >= 2
            && !self.field(0).is_empty()
            && format::check_field(1, self.field(1)).is_ok()
    }

    /// Whether the row, ended, has the shape the writer's torn-row repair leaves: more
    /// than eight fields, the last eight of them empty.
    pub(super) fn is_repaired_fragment(&self) -> bool {
        let n = self.len();
        n > COLUMNS.len() && (n - COLUMNS.len()..n).all(|i| self.field(i).is_empty())
    }
}

/// The index of the first byte of `hay` equal to one of `needles`.
///
/// Eight bytes at a time (the classic "has zero byte" bit trick on `word ^ needle`): start-up
/// reads every byte of the log, and a byte-by-byte search is most of its cost. The lowest
/// flagged byte is always a true match, so the answer is exact.
fn find(hay: &[u8], needles: [u8; 3]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let matches = |word: u64, needle: u8| {
        let x = word ^ (ONES * u64::from(needle));
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        let found = needles.iter().fold(0, |acc, &n| acc | matches(word, n));
        if found != 0 {
            return Some(base + (found.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    let rest = chunks.remainder();
    rest.iter()
        .position(|b| needles.contains(b))
        .map(|i| base + i)
}

/// What one read of the log found, besides its rows.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// The earliest row still open at the end of the file, if any.
    pub(super) torn: Option<Torn>,
    /// Rows read (good ones).
    pub(super) rows: u64,
}

/// What the reader reports besides records.
pub(super) enum Item {
    /// Lines `first..=last` were skipped because of `reason`.
    Skipped {
        first: u64,
        last: u64,
        reason: String,
    },
}

/// The first line that is not blank, split as a row (the header), with the number of lines
/// and bytes read; `None` if there is none.
pub(super) fn header(input: &mut impl BufRead) -> io::Result<Option<(Row, u64, u64)>> {
    let (mut lines, mut bytes) = (0, 0);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input.read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        lines += 1;
        bytes += n as u64;
        if line != b"\n" && line != b"\r\n" {
            let mut row = Row::default();
            row.clear();
            row.feed(&line);
            if !row.ended {
                row.end_field();
            }
            return Ok(Some((row, lines, bytes)));
        }
    }
}

/// Reads the rows of a log after its header; `first_line` is the number of the first line
/// `input` yields (after the header), `offset` its byte offset. `accept` parses a row and
/// says whether it is a record (`Err`: the reason it is not), the caller keeping what it
/// needs; skipped lines are reported through `skip`.
pub(super) fn read<R: BufRead + Seek>(
    mut input: R,
    first_line: u64,
    offset: u64,
    accept: &mut dyn FnMut(&Row) -> Result<(), String>,
    skip: &mut dyn FnMut(Item),
) -> io::Result<Scan> {
    let mut scan = Scan::default();
    let mut row = Row::default();
    let mut line = Vec::with_capacity(512);
    // The next line's number and byte offset.
    let (mut line_no, mut at) = (first_line, offset);
    // Lines being skipped: (first, reason), while resynchronising after damage.
    let mut skipping: Option<(u64, String)> = None;
    let mut flush_skip = |skipping: &mut Option<(u64, String)>, last: u64| {
        if let Some((first, reason)) = skipping.take() {
            skip(Item::Skipped {
                first,
                last,
                reason,
            });
        }
    };
    loop {
        line.clear();
        let n = input.read_until(b'\n', &mut line)?;
        if n == 0 {
            flush_skip(&mut skipping, line_no - 1);
            return Ok(scan);
        }
        let start_line = line_no;
        line_no += 1;
        at += n as u64;
        if line == b"\n" || line == b"\r\n" {
            continue;
        }
        row.clear();
        row.feed(&line);
        if skipping.is_some() && !row.looks_like_a_row() {
            if !line.ends_with(b"\n") && scan.torn.is_none() {
                scan.torn = Some(Torn { in_quotes: false });
            }
            continue;
        }
        flush_skip(&mut skipping, start_line - 1);
        // Where to resume if this row turns out damaged: the line after its first.
        let resume = (line_no, at);
        let mut reason: Option<String> = None;
        while !row.ended && row.broken.is_none() {
            let at_eof = !line.ends_with(b"\n");
            if !at_eof {
                if let Err(why) = row.plausible_prefix(row.len()) {
                    reason = Some(format!("{why} (a quote left open at the end of its line)"));
                    break;
                }
                if !matches!(row.len(), 0 | 6 | 7) {
                    let column = COLUMNS[row.len()];
                    reason = Some(format!(
                        "a quote opened in `{column}` is not closed on its line"
                    ));
                    break;
                }
                line.clear();
                let n = input.read_until(b'\n', &mut line)?;
                if n > 0 {
                    line_no += 1;
                    at += n as u64;
                    row.feed(&line);
                    continue;
                }
            }
            // The file ends inside this row: torn.
            if scan.torn.is_none() {
                scan.torn = Some(Torn {
                    in_quotes: row.in_quotes(),
                });
            }
            reason = Some(
                if row.in_quotes() {
                    "unterminated quote at the end of the file (a row cut off by a crash)"
                } else {
                    "no line end at the end of the file (a row cut off by a crash)"
                }
                .to_owned(),
            );
            break;
        }
        let reason = match (reason, row.broken) {
            (Some(reason), _) => Some(reason),
            (None, Some(_)) if line.starts_with(SPOIL_QUOTED) && resume.0 == line_no => Some(
                "the end of a row cut off by a crash, closed when the log was next written"
                    .to_owned(),
            ),
            (None, Some(broken)) => Some(broken.to_owned()),
            (None, None) if row.is_repaired_fragment() => {
                Some("a row cut off by a crash, closed when the log was next written".to_owned())
            }
            (None, None) => accept(&row).err(),
        };
        match reason {
            None => scan.rows += 1,
            Some(reason) => {
                skipping = Some((start_line, reason));
                if resume.0 != line_no {
                    // A row of several lines: read its later lines again, as rows.
                    input.seek(SeekFrom::Start(resume.1))?;
                    (line_no, at) = resume;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields of the good rows, the skipped line ranges with reasons, the scan.
    type Read = (Vec<Vec<String>>, Vec<(u64, u64, String)>, Scan);

    fn rows(text: &str) -> Read {
        let mut good = Vec::new();
        let mut bad = Vec::new();
        let scan = read(
            io::Cursor::new(text.as_bytes().to_vec()),
            2,
            0,
            &mut |row| {
                if row.len() != 8 {
                    return Err(format!("expected 8 fields, found {}", row.len()));
                }
                let fields = (0..row.len())
                    .map(|i| String::from_utf8_lossy(row.field(i)).into_owned())
                    .collect();
                good.push(fields);
                Ok(())
            },
            &mut |item| {
                let Item::Skipped {
                    first,
                    last,
                    reason,
                } = item;
                bad.push((first, last, reason));
            },
        )
        .unwrap();
        (good, bad, scan)
    }

    const ROW: &str = "a,2024-01-03T08:00:00.000000+01:00,run,,,,m,\n";

    #[test]
    fn find_matches_a_plain_search() {
        let hay: Vec<u8> = (0..300u32).map(|i| (i * 37 % 251) as u8).collect();
        for start in 0..40 {
            for needles in [[b',', b'\n', b'"'], [0, 255, 128], [7; 3], [1, 2, 3]] {
                let hay = &hay[start..];
                let plain = hay.iter().position(|b| needles.contains(b));
                assert_eq!(find(hay, needles), plain, "{start} {needles:?}");
            }
        }
        assert_eq!(find(b"abc", [b'x'; 3]), None);
        assert_eq!(find(b"\x81\x80,", [b',', 0, 1]), Some(2));
    }

    #[test]
    fn quoted_fields_span_lines_and_unescape() {
        let text =
            format!("{ROW}a,2024-01-03T08:00:00Z,fail,,,,\"m, \"\"x\"\"\",\"one\ntwo\"\r\n{ROW}");
        let (good, bad, scan) = rows(&text);
        assert_eq!(bad, []);
        assert_eq!(good.len(), 3);
        assert_eq!(good[1][6], "m, \"x\"");
        assert_eq!(good[1][7], "one\ntwo");
        assert_eq!(scan.torn, None);
    }

    #[test]
    fn a_stray_quote_costs_its_line_only() {
        let text = format!("{ROW}garbage,\"unbalanced quote\n{ROW}{ROW}");
        let (good, bad, _) = rows(&text);
        assert_eq!(good.len(), 3);
        assert_eq!(bad.len(), 1);
        assert_eq!((bad[0].0, bad[0].1), (3, 3));
        assert!(bad[0].2.contains("`created`"), "{bad:?}");
    }

    #[test]
    fn a_damaged_multi_line_row_gives_back_its_later_lines() {
        // The quoted message never closes properly: its later lines are read as rows.
        let text = format!("a,2024-01-03T08:00:00Z,fail,,,,\"m\n{ROW}x\"y,\n{ROW}");
        let (good, bad, _) = rows(&text);
        assert_eq!(good.len(), 2);
        assert_eq!((bad[0].0, bad[0].1), (2, 2));
        assert_eq!((bad[1].0, bad[1].1), (4, 4));
    }

    #[test]
    fn rows_open_at_the_end_are_torn() {
        let (good, bad, scan) = rows(&format!("{ROW}b,2024-01-03T08:00:00Z,fail,,,,m,\"one\n"));
        assert_eq!(good.len(), 1);
        assert_eq!(bad.len(), 1);
        assert_eq!(scan.torn, Some(Torn { in_quotes: true }));
        let (_, _, scan) = rows(&format!("{ROW}b,2024-01-03T08:00:00Z,fail,,,,m,x"));
        assert_eq!(scan.torn, Some(Torn { in_quotes: false }));
        let (good, _, scan) = rows(&format!("{ROW}{ROW}"));
        assert_eq!((good.len(), scan.torn), (2, None));
    }

    #[test]
    fn a_quote_left_open_by_a_complete_line_is_closed_on_a_line_of_its_own() {
        // A message quote that never closes, in a file that ends with a line end.
        let open = format!("a,2024-01-03T08:00:00Z,fail,,,,\"never closed\n{ROW}{ROW}");
        let (good, bad, scan) = rows(&open);
        assert_eq!((good.len(), bad.len()), (2, 1));
        assert_eq!(scan.torn, Some(Torn { in_quotes: true }));
        // The writer's repair then starts a line: it is skipped on its own, and the rows
        // after it are read, whatever follows.
        let repaired = format!("{open}~\",,,,,,,,\n{ROW}");
        let (good, bad, scan) = rows(&repaired);
        assert_eq!((good.len(), scan.torn), (3, None));
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert_eq!((bad[1].0, bad[1].1), (5, 5));
        assert!(
            bad[1].2.contains("closed when the log was next written"),
            "{bad:?}"
        );
    }

    #[test]
    fn repaired_fragments_stay_skipped() {
        let text = format!("b,2024-01-03T08:00:00Z,fail,,,,m,\"one\ntwo~\",,,,,,,,\n{ROW}");
        let (good, bad, _) = rows(&text);
        assert_eq!(good.len(), 1);
        assert_eq!((bad[0].0, bad[0].1), (2, 3), "{bad:?}");
        assert!(
            bad[0].2.contains("closed when the log was next written"),
            "{bad:?}"
        );
    }
}
