//! The one error type of the crate: where the problem is, what it is, and how to fix it.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// What kind of mistake a [`ParseError`] reports.
///
/// Tools can branch on this (an editor might offer a quick fix for [`Self::Keyword`]);
/// humans read the message. New kinds may be added, so match with a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The condition is empty or blank.
    Empty,
    /// A malformed sequence of `~ & | ( )`: a missing operand or operator, an unclosed
    /// or unmatched parenthesis.
    Structure,
    /// Parentheses nested deeper than the parser allows.
    TooDeep,
    /// A misspelled, wrong-case or unknown word, or a word that is not part of the language.
    Keyword,
    /// The words are right but in the wrong place, or something is missing.
    Syntax,
    /// A quoting problem: double quotes, an unclosed quote, an empty name.
    Quote,
    /// A time of day, day name, month day or other anchor that is malformed or out of range.
    Anchor,
    /// A malformed or zero duration.
    Duration,
    /// A malformed `cron` schedule.
    Cron,
    /// A malformed integer.
    Number,
    /// A custom condition identifier that is reserved or too close to a keyword.
    Identifier,
}

/// A rejected condition string: the byte span of the offending text, a one-line message
/// and an optional help naming the fix.
///
/// It owns a copy of the input so it can render the caret excerpt on its own, long after
/// the string it came from is gone (the runtime reports errors at start-up, the macros
/// at compile time).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParseError {
    /// Shared between the errors of one condition, so a string with many bad phrases
    /// holds one copy of the input, not one per error.
    input: Arc<str>,
    span: Range<usize>,
    kind: ParseErrorKind,
    message: String,
    expected: Vec<String>,
    help: Option<String>,
}

impl ParseError {
    /// Builds an error. `span` is clamped to the input and to character boundaries so that
    /// rendering never panics, whatever the caller passes.
    pub(crate) fn new(
        input: &str,
        span: Range<usize>,
        kind: ParseErrorKind,
        message: impl Into<String>,
    ) -> Self {
        let clamp = |mut i: usize| {
            i = i.min(input.len());
            while !input.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let start = clamp(span.start);
        let end = clamp(span.end.max(start));
        ParseError {
            input: Arc::from(input),
            span: start..end,
            kind,
            message: message.into(),
            expected: Vec::new(),
            help: None,
        }
    }

    /// Adds a help line.
    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Records what would have been accepted at the span.
    pub(crate) fn with_expected(mut self, expected: Vec<String>) -> Self {
        self.expected = expected;
        self
    }

    /// Moves an error found in a slice of a larger input (a phrase) into that input:
    /// `offset` is where the slice starts.
    pub(crate) fn rebase(mut self, offset: usize, whole: &Arc<str>) -> Self {
        self.span = self.span.start + offset..self.span.end + offset;
        self.input = Arc::clone(whole);
        self
    }

    /// The byte range of the offending text in [`input`](Self::input). Empty at the end
    /// of the input for "expected … at end" errors.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// What kind of mistake this is.
    pub fn kind(&self) -> ParseErrorKind {
        self.kind
    }

    /// The one-line message: lowercase, no trailing period.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What the parser would have accepted at the span (friendly names such as
    /// "`after`" or "a duration"), when it knows.
    pub fn expected(&self) -> &[String] {
        &self.expected
    }

    /// How to fix it, when there is an obvious fix.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// The message and its help, when it has one, as one line (`message; help`): the
    /// form settings errors quote, where there is no condition text to point into.
    pub fn one_line(&self) -> String {
        match &self.help {
            Some(help) => format!("{}; {help}", self.message),
            None => self.message.clone(),
        }
    }

    /// The whole condition string the error is about.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The input line containing the span and a caret line under the span, both indented
    /// by two spaces. Tabs show as spaces so the carets line up.
    pub fn excerpt(&self) -> String {
        let line_start = self.input[..self.span.start]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line_end = self.input[line_start..]
            .find('\n')
            .map_or(self.input.len(), |i| line_start + i);
        let line = &self.input[line_start..line_end];
        let line = line.strip_suffix('\r').unwrap_or(line);
        let shown: String = line
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .collect();
        let column = self.input[line_start..self.span.start].chars().count();
        let span_end = self.span.end.min(line_start + line.len());
        let width = self.input[self.span.start..span_end.max(self.span.start)]
            .chars()
            .count()
            .max(1);
        format!(
            "  {}\n  {}{}",
            shown.trim_end(),
            " ".repeat(column),
            "^".repeat(width)
        )
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n{}", self.message, self.excerpt())?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_the_spec_example() {
        let e = ParseError::new(
            "true & & false",
            7..8,
            ParseErrorKind::Structure,
            "expected a condition between `&` and `&`",
        )
        .with_help("remove one `&`");
        assert_eq!(
            e.to_string(),
            "expected a condition between `&` and `&`\n  true & & false\n         ^\n  help: remove one `&`"
        );
    }

    #[test]
    fn spans_are_clamped_to_char_boundaries() {
        let e = ParseError::new("é", 1..9, ParseErrorKind::Syntax, "x");
        assert_eq!(e.span(), 0..2);
        let _ = e.to_string();
    }

    #[test]
    fn excerpt_shows_the_line_of_the_span() {
        let e = ParseError::new("true &\nnope", 7..11, ParseErrorKind::Keyword, "x");
        assert_eq!(e.excerpt(), "  nope\n  ^^^^");
    }
}
