//! Durations: `10 minutes`, `1h 30min`, `90s`, `2 weeks`. The one parser the
//! whole project uses, so `every`, `in past`, `scheduler … ago` and the runtime's
//! `timeout` accept exactly the same spellings.

use std::time::Duration;

use crate::error::{ParseError, ParseErrorKind};
use crate::suggest::suggest;

/// Unit spellings and their length in seconds. Long plural forms come first so that
/// "did you mean" prefers `minutes` for `minutez`.
const UNITS: &[(&str, u64)] = &[
    ("seconds", 1),
    ("minutes", 60),
    ("hours", 3_600),
    ("days", 86_400),
    ("weeks", 604_800),
    ("second", 1),
    ("minute", 60),
    ("hour", 3_600),
    ("day", 86_400),
    ("week", 604_800),
    ("sec", 1),
    ("min", 60),
    ("s", 1),
    ("h", 3_600),
    ("d", 86_400),
    ("w", 604_800),
];

const UNIT_LIST: &str =
    "units are `s`/`sec`/`second(s)`, `min`/`minute(s)`, `h`/`hour(s)`, `d`/`day(s)` and `w`/`week(s)`";

/// Parses a duration: one or more `<integer><optional spaces><unit>` terms, separated by
/// optional spaces and summed. The total must be greater than zero.
///
/// ```
/// use std::time::Duration;
/// use redengine_conditions::parse_duration;
/// assert_eq!(parse_duration("2 hours").unwrap(), Duration::from_secs(7_200));
/// assert_eq!(parse_duration("1h 30min").unwrap(), Duration::from_secs(5_400));
/// assert_eq!(parse_duration("90 seconds").unwrap(), Duration::from_secs(90));
/// assert_eq!(parse_duration("10").unwrap_err().message(), "missing unit");
/// ```
pub fn parse_duration(input: &str) -> Result<Duration, ParseError> {
    let start = input.len() - input.trim_start().len();
    let text = input.trim();
    duration_at(input, start, text.len(), "")
}

/// Parses the duration at `whole[start..start + len]`. `context` is the phrase prefix
/// used in help examples (`every`, `in past`), empty for a bare duration.
pub(crate) fn duration_at(
    whole: &str,
    start: usize,
    len: usize,
    context: &str,
) -> Result<Duration, ParseError> {
    let text = &whole[start..start + len];
    let err = |range: std::ops::Range<usize>, kind, msg: String| {
        ParseError::new(whole, start + range.start..start + range.end, kind, msg)
    };
    let example = |n: &str, unit: &str| {
        if context.is_empty() {
            format!("`{n} {unit}`")
        } else {
            format!("`{context} {n} {unit}`")
        }
    };
    if text.is_empty() {
        return Err(
            err(0..0, ParseErrorKind::Duration, "expected a duration".into())
                .with_help(format!("write e.g. {}", example("10", "minutes"))),
        );
    }
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut total: u64 = 0;
    while pos < bytes.len() {
        while pos < bytes.len() && bytes[pos] == b' ' {
            pos += 1;
        }
        if pos == bytes.len() {
            break;
        }
        let token_end = text[pos..].find(' ').map_or(text.len(), |i| pos + i);
        let number_end = text[pos..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(text.len(), |i| pos + i);
        if number_end == pos {
            let word = &text[pos..token_end];
            let alpha_end = text[pos..]
                .find(|c: char| !c.is_ascii_alphabetic())
                .map_or(text.len(), |i| pos + i);
            let alpha = &text[pos..alpha_end];
            if total == 0 && alpha_end == token_end && unit_seconds(alpha).is_some() {
                return Err(err(
                    pos..token_end,
                    ParseErrorKind::Duration,
                    format!("expected a number before `{word}`"),
                )
                .with_help(format!("write {}", example("1", word))));
            }
            return Err(err(
                pos..token_end,
                ParseErrorKind::Duration,
                format!("expected a number, found `{word}`"),
            )
            .with_help(format!(
                "write the number in digits, e.g. {}",
                example("10", "minutes")
            )));
        }
        let number_text = &text[pos..number_end];
        if let Some(b':' | b'.') = bytes.get(number_end) {
            let whole_token = &text[pos..token_end];
            let help = if bytes[number_end] == b':' {
                format!(
                    "write hours, minutes and seconds as units, e.g. {}",
                    example("1", "hour 30 minutes")
                )
            } else {
                "durations take whole numbers; use a smaller unit, e.g. `90 minutes` for `1.5 hours`"
                    .to_owned()
            };
            return Err(err(
                pos..token_end,
                ParseErrorKind::Duration,
                format!("`{whole_token}` is not a duration"),
            )
            .with_help(help));
        }
        let number: u64 = number_text.parse().map_err(|_| {
            err(
                pos..number_end,
                ParseErrorKind::Duration,
                format!("`{number_text}` is too large"),
            )
            .with_help("write a smaller number or use a larger unit")
        })?;
        let mut unit_start = number_end;
        while unit_start < bytes.len() && bytes[unit_start] == b' ' {
            unit_start += 1;
        }
        let unit_end = text[unit_start..]
            .find(|c: char| !c.is_ascii_alphabetic())
            .map_or(text.len(), |i| unit_start + i);
        let unit = &text[unit_start..unit_end];
        if unit.is_empty() {
            return Err(err(
                pos..number_end,
                ParseErrorKind::Duration,
                "missing unit".into(),
            )
            .with_help(format!(
                "{}, {}, …",
                example(number_text, "seconds"),
                example(number_text, "minutes")
            )));
        }
        let Some(seconds) = unit_seconds(unit) else {
            let help = match unit.to_lowercase().as_str() {
                "ms" | "msec" | "millis" | "milliseconds" | "us" | "ns" => {
                    format!("durations are whole seconds or longer; {UNIT_LIST}")
                }
                "m" | "mn" | "mins" => "did you mean `min`?".to_owned(),
                "hr" | "hrs" => "did you mean `h`?".to_owned(),
                _ => match suggest(unit, UNITS.iter().map(|(u, _)| *u)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => UNIT_LIST.to_owned(),
                },
            };
            return Err(err(
                unit_start..unit_end,
                ParseErrorKind::Duration,
                format!("unknown unit `{unit}`"),
            )
            .with_help(help));
        };
        if let Some(&c) = bytes.get(unit_end) {
            if c != b' ' && !c.is_ascii_digit() {
                let bad = &text[unit_end..token_end.max(unit_end + 1).min(text.len())];
                return Err(err(
                    unit_end..unit_end + bad.len(),
                    ParseErrorKind::Duration,
                    format!("unexpected `{bad}` in a duration"),
                )
                .with_help(format!("write e.g. {}", example("1", "hour 30 minutes"))));
            }
        }
        total = number
            .checked_mul(seconds)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| {
                err(
                    0..text.len(),
                    ParseErrorKind::Duration,
                    "duration is too long".into(),
                )
                .with_help("write a shorter duration")
            })?;
        pos = unit_end;
    }
    if total == 0 {
        return Err(err(
            0..text.len(),
            ParseErrorKind::Duration,
            "duration must be greater than zero".into(),
        )
        .with_help(format!("write e.g. {}", example("1", "second"))));
    }
    Ok(Duration::from_secs(total))
}

fn unit_seconds(unit: &str) -> Option<u64> {
    UNITS.iter().find(|(u, _)| *u == unit).map(|(_, s)| *s)
}

/// The canonical spelling of a duration: weeks, days, hours, minutes and seconds, largest
/// first, zero parts left out (`1 hour 30 minutes`). Sub-second parts are not part of the
/// language and are dropped.
pub(crate) fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0 seconds".to_owned();
    }
    let mut parts = Vec::new();
    for (name, size) in [
        ("week", 604_800),
        ("day", 86_400),
        ("hour", 3_600),
        ("minute", 60),
        ("second", 1),
    ] {
        let n = secs / size;
        secs %= size;
        if n > 0 {
            parts.push(format!("{n} {name}{}", if n == 1 { "" } else { "s" }));
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> u64 {
        match parse_duration(s) {
            Ok(d) => d.as_secs(),
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn accepted_spellings() {
        assert_eq!(secs("10 minutes"), 600);
        assert_eq!(secs("10min"), 600);
        assert_eq!(secs("90s"), 90);
        assert_eq!(secs("1h 30min"), 5_400);
        assert_eq!(secs("1h30min"), 5_400);
        assert_eq!(secs("1 hour 30 minutes"), 5_400);
        assert_eq!(secs("1 days 1 hours 30 minutes 30 seconds"), 91_830);
        assert_eq!(secs("2 weeks"), 1_209_600);
        assert_eq!(secs("  3  sec "), 3);
    }

    #[test]
    fn rejected_spellings() {
        let msg = |s: &str| parse_duration(s).map_err(|e| e.to_string()).unwrap_err();
        assert!(msg("10").starts_with("missing unit"));
        assert!(msg("10 minutez").contains("did you mean `minutes`?"));
        assert!(msg("10 mins").contains("did you mean `min`?"));
        assert!(msg("ten minutes").starts_with("expected a number, found `ten`"));
        assert!(msg("day").starts_with("expected a number before `day`"));
        assert!(msg("0 seconds").starts_with("duration must be greater than zero"));
        assert!(msg("500 ms").starts_with("unknown unit `ms`"));
        assert!(msg("01:30:00").starts_with("`01:30:00` is not a duration"));
        assert!(msg("99999999999999999999 s").contains("too large"));
        assert!(msg("9999999999999999 w").starts_with("duration is too long"));
        assert!(msg("").starts_with("expected a duration"));
    }

    #[test]
    fn canonical_form_round_trips() {
        for s in [1, 59, 60, 61, 3_600, 5_400, 86_400, 604_800, 1_300_000] {
            let text = format_duration(Duration::from_secs(s));
            assert_eq!(secs(&text), s, "{text}");
        }
        assert_eq!(
            format_duration(Duration::from_secs(5_400)),
            "1 hour 30 minutes"
        );
    }
}
