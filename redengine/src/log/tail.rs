//! What the end of a CSV log needs before the next row can be appended (spec §5.5,
//! "Torn rows").
//!
//! A crash can cut the last row anywhere, even inside a quoted field. Appending straight
//! after such a fragment would glue the new row onto it, or swallow it into the open
//! quote. So the writer first ends the fragment's line, closing its quote if needed,
//! without touching any existing byte.

use std::io::{self, Read, Seek, SeekFrom};

/// The state of the end of the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Tail {
    /// The bytes to append before the next row (empty when the file ends cleanly).
    repair: &'static [u8],
    /// The last row stopped inside a quoted field: it is torn, whatever it parses to.
    pub(super) in_quotes: bool,
}

impl Tail {
    /// A file holding the first bytes of the header: the rest of it completes the line.
    pub(super) fn completing(rest_of_header: &'static [u8]) -> Self {
        Tail {
            repair: rest_of_header,
            in_quotes: false,
        }
    }

    /// The bytes to write before the next row.
    pub(super) fn repair(&self) -> &'static [u8] {
        self.repair
    }
}

/// Where a byte leaves the RFC 4180 reader, as the `csv` crate reads it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` seen inside a quoted field: either the closing quote or half of `""`.
    QuoteInQuoted,
}

/// Reads from `from` (the start of the last row, where no field is open) to the end of
/// the file and tells what the next append must write first.
pub(super) fn read(file: &mut impl ReadSeek, from: u64) -> io::Result<Tail> {
    file.seek(SeekFrom::Start(from))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(of_bytes(&bytes))
}

/// `Read + Seek`, for `&File` as well as in-memory cursors in tests.
pub(super) trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// The tail state of `bytes`, which start where no field is open.
fn of_bytes(bytes: &[u8]) -> Tail {
    let mut state = State::FieldStart;
    for &b in bytes {
        state = match (state, b) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::FieldStart, b'"') => State::Quoted,
            (_, b',' | b'\n' | b'\r') => State::FieldStart,
            (_, _) => State::Unquoted,
        };
    }
    let ends_line = matches!(bytes.last(), None | Some(b'\n' | b'\r'));
    if state == State::Quoted {
        Tail {
            repair: b"\"\n",
            in_quotes: true,
        }
    } else if ends_line {
        Tail::default()
    } else {
        Tail {
            repair: b"\n",
            in_quotes: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repair(bytes: &str) -> &'static str {
        std::str::from_utf8(of_bytes(bytes.as_bytes()).repair).unwrap()
    }

    #[test]
    fn clean_ends_need_nothing() {
        assert_eq!(repair(""), "");
        assert_eq!(repair("a,b,c\n"), "");
        assert_eq!(repair("a,\"b\nc\",d\r\n"), "");
        assert_eq!(repair("a,\"say \"\"hi\"\"\"\n"), "");
    }

    #[test]
    fn cut_rows_get_a_line_end() {
        assert_eq!(repair("a,b"), "\n");
        assert_eq!(repair("a,\"quoted\""), "\n");
        assert_eq!(repair("a,\"quoted\"\""), "\"\n");
        assert_eq!(repair("a,b\"c"), "\n");
    }

    #[test]
    fn cuts_inside_quotes_close_the_quote() {
        assert_eq!(repair("a,\"connection refused"), "\"\n");
        assert_eq!(repair("a,\"line one\n"), "\"\n");
        assert_eq!(repair("a,\"say \"\""), "\"\n");
        assert!(of_bytes(b"a,\"x").in_quotes);
        assert!(!of_bytes(b"a,\"x\"").in_quotes);
    }

    #[test]
    fn reads_from_the_given_offset() {
        let mut cursor = io::Cursor::new(b"h\n\"open quote\nstill\",x\nnext,\"cut".to_vec());
        assert!(read(&mut cursor, 0).unwrap().in_quotes);
        assert_eq!(read(&mut cursor, 23).unwrap().repair(), b"\"\n");
    }
}
