//! The pieces of an anchor's text that the anchor reader (`anchor`), clock times
//! (`clock`) and the display (`display`) share: time units in microseconds, which side of
//! a window an anchor is on, the day names, where an anchor's text lies (for errors), and
//! the digit readers. A leaf below all three, so none of them imports another's internals.

use crate::error::{ParseError, ParseErrorKind};

pub(crate) const SECOND: u64 = 1_000_000;
pub(crate) const MINUTE: u64 = 60 * SECOND;
pub(crate) const HOUR: u64 = 60 * MINUTE;
/// `24:00`: the end of the day, valid only on the end side of a window.
pub(crate) const END_OF_DAY: u64 = 24 * HOUR;

/// Which end of a window an anchor sits on. `24:00` is end-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// `between A`, `after A`, `starting A`, `on A`.
    Start,
    /// `and B`, `before B`.
    End,
}

pub(crate) const DAY_NAMES: [&str; 14] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Mon",
    "Tue",
    "Wed",
    "Thu",
    "Fri",
    "Sat",
    "Sun",
];

/// Where the anchor text lies, for error spans.
pub(crate) struct At<'a> {
    pub(crate) whole: &'a str,
    pub(crate) start: usize,
    pub(crate) text: &'a str,
}

impl At<'_> {
    pub(crate) fn err(&self, msg: String) -> ParseError {
        ParseError::new(
            self.whole,
            self.start..self.start + self.text.len(),
            ParseErrorKind::Anchor,
            msg,
        )
    }

    fn part(&self, part: &str) -> ParseError {
        // `part` is a sub-slice of `text`; point at it alone.
        let offset = part.as_ptr() as usize - self.text.as_ptr() as usize;
        ParseError::new(
            self.whole,
            self.start + offset..self.start + offset + part.len(),
            ParseErrorKind::Anchor,
            String::new(),
        )
    }

    pub(crate) fn part_err(&self, part: &str, msg: String) -> ParseError {
        let span = self.part(part).span();
        ParseError::new(self.whole, span, ParseErrorKind::Anchor, msg)
    }
}

/// Splits `digits[.fraction]` into whole units and microseconds.
pub(crate) fn with_fraction<'a>(at: &At<'_>, text: &'a str) -> Result<(&'a str, u64), ParseError> {
    let Some((int, frac)) = text.split_once('.') else {
        return Ok((text, 0));
    };
    if frac.is_empty() || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(at
            .part_err(text, format!("malformed fraction in `{text}`"))
            .with_help("write 1 to 6 digits after the `.` (microseconds at most)"));
    }
    let padded = format!("{frac:0<6}");
    Ok((int, padded.parse().unwrap_or(0)))
}

pub(crate) fn two_digits(s: &str) -> Option<u64> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}
