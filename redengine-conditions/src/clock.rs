//! Clock times: `08:00`, `8:00:30.5`, `8am`, `8 PM`, and `24:00` as the end of a window
//!.

use crate::anchor_text::{two_digits, with_fraction, At, Side, END_OF_DAY, HOUR, MINUTE, SECOND};
use crate::error::ParseError;

/// Reads a clock time (`08:00`, `8:00:30.5`, `8am`, `8 PM`, `24:00` on the end side) as
/// microseconds since midnight.
pub(crate) fn clock(at: &At<'_>, text: &str, side: Side) -> Result<u64, ParseError> {
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
