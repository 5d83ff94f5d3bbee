//! Anchors: the points a window is made of (spec §2.3). The grammar matches them loosely;
//! this module reads them for a scope, checks their ranges and explains what is wrong.

use chrono::Weekday;

use crate::ast::{Anchor, Scope};
use crate::error::{ParseError, ParseErrorKind};
use crate::suggest::suggest;

const SECOND: u64 = 1_000_000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
/// `24:00`: the end of the day, valid only on the end side of a window.
pub(crate) const END_OF_DAY: u64 = 24 * HOUR;

/// Which end of a window an anchor sits on. `24:00` is end-only (spec §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// `between A`, `after A`, `starting A`, `on A`.
    Start,
    /// `and B`, `before B`.
    End,
}

const DAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

const DAY_NAMES: [&str; 14] = [
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
struct At<'a> {
    whole: &'a str,
    start: usize,
    text: &'a str,
}

impl At<'_> {
    fn err(&self, msg: String) -> ParseError {
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

    fn part_err(&self, part: &str, msg: String) -> ParseError {
        let span = self.part(part).span();
        ParseError::new(self.whole, span, ParseErrorKind::Anchor, msg)
    }
}

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

/// Splits `digits[.fraction]` into whole units and microseconds.
fn with_fraction<'a>(at: &At<'_>, text: &'a str) -> Result<(&'a str, u64), ParseError> {
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

fn two_digits(s: &str) -> Option<u64> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
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

/// Reads a clock time (`08:00`, `8:00:30.5`, `8am`, `8 PM`, `24:00` on the end side) as
/// microseconds since midnight.
fn clock(at: &At<'_>, text: &str, side: Side) -> Result<u64, ParseError> {
    let lower = text.to_ascii_lowercase();
    let (body, pm) = match lower
        .strip_suffix("am")
        .map(|b| (b, false))
        .or_else(|| lower.strip_suffix("pm").map(|b| (b, true)))
    {
        Some((b, pm)) => (b.trim_end(), Some(pm)),
        None => (lower.as_str(), None),
    };
    let not_a_time = |help: String| {
        at.part_err(text, format!("`{text}` is not a time of day"))
            .with_help(help)
    };
    if body.is_empty() || !body.starts_with(|c: char| c.is_ascii_digit()) {
        let help = match body {
            "noon" => "write `12:00` or `12pm`".to_owned(),
            "midnight" => "write `00:00` (or `24:00` as the end of a window)".to_owned(),
            _ => "write e.g. `08:00` or `8am`".to_owned(),
        };
        return Err(not_a_time(help));
    }
    let body_slice = &text[..body.len()];
    let parts: Vec<&str> = body_slice.split(':').collect();
    if parts.len() > 3 {
        return Err(not_a_time(
            "write `HH:MM`, `HH:MM:SS` or `HH:MM:SS.f`".into(),
        ));
    }
    let hour_text = parts[0];
    if !hour_text.bytes().all(|b| b.is_ascii_digit()) {
        let help = match hour_text.split_once('.') {
            Some((h, m)) if parts.len() == 1 && pm.is_none() => {
                format!("write `{:0>2}:{m:0>2}`", h)
            }
            _ => "write e.g. `08:00` or `8am`".to_owned(),
        };
        return Err(not_a_time(help));
    }
    if hour_text.len() > 2 {
        let help = if hour_text.len() == 4 {
            format!("write `{}:{}`", &hour_text[..2], &hour_text[2..])
        } else {
            "write e.g. `08:00` or `8am`".to_owned()
        };
        return Err(not_a_time(help));
    }
    let hour: u64 = hour_text.parse().unwrap_or(0);
    let minute = match parts.get(1) {
        None => None,
        Some(m) => match two_digits(m) {
            Some(v) if v <= 59 => Some(v),
            Some(v) => {
                return Err(at
                    .part_err(m, format!("minutes must be 00–59, found `{v}`"))
                    .with_help("write minutes as 00 to 59"))
            }
            None => {
                return Err(not_a_time(format!(
                    "minutes have two digits: write `{hour:02}:{m:0>2}`"
                )))
            }
        },
    };
    let (second, frac) = match parts.get(2) {
        None => (0, 0),
        Some(s) => {
            let (int, frac) = with_fraction(at, s)?;
            match two_digits(int) {
                Some(v) if v <= 59 => (v, frac),
                Some(v) => {
                    return Err(at
                        .part_err(int, format!("seconds must be 00–59, found `{v}`"))
                        .with_help("write seconds as 00 to 59"))
                }
                None => {
                    return Err(not_a_time(
                        "seconds have two digits: write e.g. `08:00:30`".into(),
                    ))
                }
            }
        }
    };
    let rest = minute.unwrap_or(0) * MINUTE + second * SECOND + frac;
    if let Some(pm) = pm {
        if !(1..=12).contains(&hour) {
            return Err(at
                .part_err(
                    text,
                    format!("12-hour times use hours 1–12, found `{text}`"),
                )
                .with_help(format!(
                    "write `{hour:02}:{:02}` without am/pm",
                    minute.unwrap_or(0)
                )));
        }
        let h24 = match (hour, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, false) => h,
            (h, true) => h + 12,
        };
        return Ok(h24 * HOUR + rest);
    }
    let Some(minute) = minute else {
        let help = match hour {
            0 => "write `00:00` or `12am`".to_owned(),
            12 => "write `12:00` or `12pm`".to_owned(),
            h @ 13..=23 => format!("write `{h}:00` or `{}pm`", h - 12),
            h @ 1..=11 => format!("write `{h:02}:00` or `{h}am`"),
            _ => "write e.g. `08:00` or `8am`".to_owned(),
        };
        return Err(not_a_time(help));
    };
    if hour == 24 && rest == 0 && minute == 0 {
        return match side {
            Side::End => Ok(END_OF_DAY),
            Side::Start => Err(at
                .part_err(
                    text,
                    format!("`{text}` is only allowed as the end of a window"),
                )
                .with_help("write `00:00` for the start of the day")),
        };
    }
    if hour > 23 {
        return Err(at
            .part_err(hour_text, format!("hours must be 0–23, found `{hour}`"))
            .with_help("write the hour as 0 to 23 (`24:00` only as the end of a window)"));
    }
    Ok(hour * HOUR + rest)
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
    let day = match word[..digits_end].parse::<u8>() {
        Ok(d @ 1..=31) => d,
        _ => {
            return Err(at
                .part_err(word, "day of month must be 1–31".into())
                .with_help(
                    "write a day from `1st` to `31st`; later days clamp to the month's last day",
                ))
        }
    };
    let time = optional_time(at, rest, side)?;
    Ok(Anchor::MonthDay { day, time })
}

/// Writes a time of day canonically: `HH:MM`, `HH:MM:SS` or `HH:MM:SS.f`.
pub(crate) fn format_clock(us: u64) -> String {
    let (h, m) = (us / HOUR, us / MINUTE % 60);
    let (s, frac) = (us / SECOND % 60, us % SECOND);
    if s == 0 && frac == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}{}", fraction(frac))
    }
}

fn fraction(frac: u64) -> String {
    if frac == 0 {
        String::new()
    } else {
        format!(".{frac:06}").trim_end_matches('0').to_owned()
    }
}

/// Writes an anchor canonically for its scope, so that it reads back to the same value.
pub(crate) fn format_anchor(anchor: &Anchor, scope: Scope) -> String {
    match (*anchor, scope) {
        (Anchor::Offset(us), Scope::Second | Scope::Minute) => {
            format!("{:02}{}", us / SECOND, fraction(us % SECOND))
        }
        (Anchor::Offset(us), Scope::Hour) => {
            format!(
                "{:02}:{:02}{}",
                us / MINUTE,
                us / SECOND % 60,
                fraction(us % SECOND)
            )
        }
        (Anchor::Offset(us), _) => format_clock(us),
        (Anchor::Weekday { day, time }, _) => {
            let name = DAY_NAMES[day.num_days_from_monday() as usize];
            match time {
                Some(t) => format!("{name} {}", format_clock(t)),
                None => name.to_owned(),
            }
        }
        (Anchor::MonthDay { day, time }, _) => {
            let suffix = match (day % 10, day % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            match time {
                Some(t) => format!("{day}{suffix} {}", format_clock(t)),
                None => format!("{day}{suffix}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
