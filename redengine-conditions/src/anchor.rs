//! Anchors: the points a window is made of. The grammar matches them loosely;
//! this module reads them for a scope, checks their ranges and explains what is wrong.

use chrono::Weekday;

use crate::anchor_text::{two_digits, with_fraction, At, Side, DAY_NAMES, MINUTE, SECOND};
use crate::ast::{Anchor, Scope};
use crate::clock::clock;
use crate::error::ParseError;
use crate::suggest::suggest;

const DAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

/// Reads the anchor `whole[start..start + len]` for `scope` on `side`.
pub(crate) fn anchor(
    whole: &str,
    start: usize,
    len: usize,
    scope: Scope,
    side: Side,
) -> Result<Anchor, ParseError> {
    let at = At {
        whole,
        start,
        text: &whole[start..start + len],
    };
    match scope {
        Scope::Second => Err(at.err("`secondly` takes no window".into())),
        Scope::Minute => minute_anchor(&at).map(Anchor::Offset),
        Scope::Hour => hour_anchor(&at).map(Anchor::Offset),
        Scope::Day => clock(&at, at.text, side).map(Anchor::Offset),
        Scope::Week => week_anchor(&at, side),
        Scope::Month => month_anchor(&at, side),
    }
}

fn minute_anchor(at: &At<'_>) -> Result<u64, ParseError> {
    let text = at.text;
    let (int, frac) = with_fraction(at, text)?;
    let digits = !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit());
    if digits && int.len() == 1 {
        return Err(at
            .err(format!(
                "minute anchors are two-digit seconds `SS`, found `{text}`"
            ))
            .with_help(format!("write `0{text}`")));
    }
    match two_digits(int) {
        Some(s) if s <= 59 => Ok(s * SECOND + frac),
        Some(s) => Err(at
            .err(format!("seconds must be 00–59, found `{s}`"))
            .with_help("write seconds past the minute, 00 to 59")),
        None => Err(at
            .err(format!("minute anchors are seconds `SS`, found `{text}`"))
            .with_help("write seconds past the minute, e.g. `minutely between 10 and 20`")),
    }
}

fn hour_anchor(at: &At<'_>) -> Result<u64, ParseError> {
    let text = at.text;
    let lower = text.to_ascii_lowercase();
    let quarter = lower
        .strip_suffix("quarter")
        .or_else(|| lower.strip_suffix('q'))
        .map(str::trim_end)
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if let Some(n) = quarter {
        return match n.parse::<u64>() {
            Ok(n @ 1..=4) => Ok(n * 15 * MINUTE - 1),
            _ => Err(at
                .err(format!("quarter must be 1–4, found `{n}`"))
                .with_help("`1q` is the first quarter hour, `4q` the last")),
        };
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(match text.parse::<u64>() {
            Ok(m) if m <= 59 => at
                .err(format!(
                    "hour anchors are `MM:SS`; minute {m} is `{m:02}:00`"
                ))
                .with_help(format!("write `{m:02}:00`")),
            _ => at
                .err(format!("hour anchors are `MM:SS`, found `{text}`"))
                .with_help("write minutes and seconds past the hour, e.g. `15:00`"),
        });
    }
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() == 2 {
        let (sec_text, frac) = with_fraction(at, parts[1])?;
        if let (Some(m), Some(s)) = (two_digits(parts[0]), two_digits(sec_text)) {
            if m > 59 {
                return Err(at
                    .part_err(parts[0], format!("minutes must be 00–59, found `{m}`"))
                    .with_help("hour anchors are minutes and seconds past the hour, `MM:SS`"));
            }
            if s > 59 {
                return Err(at
                    .part_err(sec_text, format!("seconds must be 00–59, found `{s}`"))
                    .with_help("hour anchors are minutes and seconds past the hour, `MM:SS`"));
            }
            return Ok(m * MINUTE + s * SECOND + frac);
        }
        if parts[0].len() == 1 && parts[0].bytes().all(|b| b.is_ascii_digit()) {
            return Err(at
                .err(format!(
                    "hour anchors are `MM:SS` with two-digit minutes, found `{text}`"
                ))
                .with_help(format!("write `0{text}`")));
        }
    }
    Err(at
        .err(format!("hour anchors are `MM:SS`, found `{text}`"))
        .with_help("write minutes and seconds past the hour, e.g. `15:00`"))
}

fn optional_time(at: &At<'_>, rest: &str, side: Side) -> Result<Option<u64>, ParseError> {
    let rest = rest.trim_start();
    if rest.is_empty() {
        Ok(None)
    } else {
        clock(at, rest, side).map(Some)
    }
}

fn week_anchor(at: &At<'_>, side: Side) -> Result<Anchor, ParseError> {
    let (word, rest) = at.text.split_once(' ').unwrap_or((at.text, ""));
    let lower = word.to_ascii_lowercase();
    let day = DAYS
        .iter()
        .find(|(name, _)| lower == *name || (lower.len() == 3 && name.starts_with(&lower)))
        .map(|(_, d)| *d);
    let Some(day) = day else {
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(at
                .part_err(
                    word,
                    format!("week anchors start with a day name, found `{word}`"),
                )
                .with_help("write e.g. `Monday` or `Mon 10:00`"));
        }
        let help = match suggest(word, DAY_NAMES) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "days are `Monday` … `Sunday` or `Mon` … `Sun`".to_owned(),
        };
        return Err(at
            .part_err(word, format!("unknown day `{word}`"))
            .with_help(help));
    };
    let time = optional_time(at, rest, side)?;
    Ok(Anchor::Weekday { day, time })
}

fn month_anchor(at: &At<'_>, side: Side) -> Result<Anchor, ParseError> {
    let (word, rest) = at.text.split_once(' ').unwrap_or((at.text, ""));
    let digits_end = word
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(word.len());
    let suffix = word[digits_end..].to_ascii_lowercase();
    if digits_end == 0 || !matches!(suffix.as_str(), "" | "st" | "nd" | "rd" | "th" | ".") {
        return Err(at
            .part_err(
                word,
                format!("month anchors are days of the month, found `{word}`"),
            )
            .with_help("write e.g. `1st`, `15` or `3rd 12:30`"));
    }
    let Ok(day @ 1..=31) = word[..digits_end].parse::<u8>() else {
        return Err(at
            .part_err(word, "day of month must be 1–31".into())
            .with_help(
                "write a day from `1st` to `31st`; later days clamp to the month's last day",
            ));
    };
    let time = optional_time(at, rest, side)?;
    Ok(Anchor::MonthDay { day, time })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anchor_text::{END_OF_DAY, HOUR};
    use crate::display::format_anchor;

    fn read(text: &str, scope: Scope, side: Side) -> Result<Anchor, String> {
        anchor(text, 0, text.len(), scope, side).map_err(|e| e.to_string())
    }

    #[test]
    fn clock_times() {
        let day = |t| read(t, Scope::Day, Side::End);
        assert_eq!(day("8:00"), Ok(Anchor::Offset(8 * HOUR)));
        assert_eq!(
            day("08:00:30.5"),
            Ok(Anchor::Offset(8 * HOUR + 30 * SECOND + 500_000))
        );
        assert_eq!(day("8 PM"), Ok(Anchor::Offset(20 * HOUR)));
        assert_eq!(day("12am"), Ok(Anchor::Offset(0)));
        assert_eq!(day("12:30pm"), Ok(Anchor::Offset(12 * HOUR + 30 * MINUTE)));
        assert_eq!(day("24:00"), Ok(Anchor::Offset(END_OF_DAY)));
        assert!(read("24:00", Scope::Day, Side::Start).is_err());
        for bad in [
            "25:00", "08:60", "8:61", "noon", "0800", "8.30", "8", "13pm", "8:5",
        ] {
            assert!(day(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn other_scopes() {
        assert_eq!(
            read("1q", Scope::Hour, Side::Start),
            Ok(Anchor::Offset(15 * MINUTE - 1))
        );
        assert_eq!(
            read("3 quarter", Scope::Hour, Side::Start),
            Ok(Anchor::Offset(45 * MINUTE - 1))
        );
        assert_eq!(
            read("15:00", Scope::Hour, Side::Start),
            Ok(Anchor::Offset(15 * MINUTE))
        );
        assert_eq!(
            read("10", Scope::Minute, Side::Start),
            Ok(Anchor::Offset(10 * SECOND))
        );
        assert_eq!(
            read("FRI 18:00", Scope::Week, Side::Start),
            Ok(Anchor::Weekday {
                day: Weekday::Fri,
                time: Some(18 * HOUR)
            })
        );
        assert_eq!(
            read("3rd 12:30", Scope::Month, Side::Start),
            Ok(Anchor::MonthDay {
                day: 3,
                time: Some(12 * HOUR + 30 * MINUTE)
            })
        );
        assert!(read("Tues", Scope::Week, Side::Start).is_err());
        assert!(read("0th", Scope::Month, Side::Start).is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(
            format_anchor(&Anchor::Offset(15 * MINUTE - 1), Scope::Hour),
            "14:59.999999"
        );
        assert_eq!(
            format_anchor(&Anchor::Offset(END_OF_DAY), Scope::Day),
            "24:00"
        );
        assert_eq!(
            format_anchor(
                &Anchor::MonthDay {
                    day: 22,
                    time: None
                },
                Scope::Month
            ),
            "22nd"
        );
        assert_eq!(
            format_anchor(
                &Anchor::MonthDay {
                    day: 12,
                    time: None
                },
                Scope::Month
            ),
            "12th"
        );
    }
}
