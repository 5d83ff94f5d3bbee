//! What the end of a CSV log needs before the next row can be appended.
//!
//! A crash can cut the last row anywhere, even inside a quoted field. Appending straight
//! after such a fragment would glue the new row onto it, or swallow it into the open
//! quote; merely closing the quote and the line would let the fragment parse as a record
//! on the next start, although this start skipped it (a `fail` cut inside its `exc_text`
//! would come back to life). So, without touching any existing byte, the writer:
//!
//! 1. closes the quote the fragment left open, if any, after a `~`: read from the start of
//!    any of the fragment's lines instead, the quote then sits inside an unquoted field,
//!    which the reader rejects on that line, so it cannot open a quote of its own (the
//!    file may end with a line end while a quote is open);
//! 2. appends eight empty fields (`,,,,,,,,`): whatever column the fragment stopped in, its
//!    row now has more fields than a record has, under any CSV reader, for good;
//! 3. ends the line, so the next row starts at a line start.

/// The eight empty fields that make a torn fragment unparseable, and the line end.
const SPOIL: &[u8] = b",,,,,,,,\n";
/// The same, after closing an open quote.
pub(super) const SPOIL_QUOTED: &[u8] = b"~\",,,,,,,,\n";

/// A row whose line end was never written: what the writer must do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Torn {
    /// The fragment stopped inside a quoted field.
    pub(super) in_quotes: bool,
}

/// The state of the end of the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Tail {
    /// The bytes to append before the next row (empty when the file ends cleanly).
    repair: &'static [u8],
}

impl Tail {
    /// A file holding the first bytes of the header: the rest of it completes the line.
    pub(super) fn completing(rest_of_header: &'static [u8]) -> Self {
        Tail {
            repair: rest_of_header,
        }
    }

    /// The end of a file whose last row is `torn` (or that ends cleanly: `None`).
    pub(super) fn after(torn: Option<Torn>) -> Self {
        let repair: &'static [u8] = match torn {
            None => b"",
            Some(Torn { in_quotes: true }) => SPOIL_QUOTED,
            Some(Torn { in_quotes: false }) => SPOIL,
        };
        Tail { repair }
    }

    /// The bytes to write before the next row.
    pub(super) fn repair(&self) -> &'static [u8] {
        self.repair
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_close_quotes_and_add_eight_fields() {
        assert_eq!(Tail::after(None).repair(), b"");
        assert_eq!(
            Tail::after(Some(Torn { in_quotes: false })).repair(),
            b",,,,,,,,\n"
        );
        assert_eq!(
            Tail::after(Some(Torn { in_quotes: true })).repair(),
            b"~\",,,,,,,,\n"
        );
        assert_eq!(Tail::completing(b"ed\n").repair(), b"ed\n");
    }
}
