//! `cron M H DOM MON DOW`: five fields read into bit sets.

use crate::ast::CronSchedule;
use crate::error::{ParseError, ParseErrorKind};

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// One field's name, range and value names.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    names_start: u32,
}

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
        names_start: 0,
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
        names_start: 0,
    },
    Field {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
        names_start: 0,
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: &MONTHS,
        names_start: 1,
    },
    Field {
        name: "day of week",
        min: 0,
        max: 7,
        names: &WEEKDAYS,
        names_start: 0,
    },
];

/// Reads the cron fields at `whole[start..start + len]`.
pub(crate) fn cron(whole: &str, start: usize, len: usize) -> Result<CronSchedule, ParseError> {
    let text = &whole[start..start + len];
    let err = |from: usize, to: usize, msg: String| {
        ParseError::new(whole, start + from..start + to, ParseErrorKind::Cron, msg)
    };
    let mut fields = Vec::new();
    let mut offset = 0;
    for part in text.split(' ') {
        if !part.is_empty() {
            fields.push((offset, part));
        }
        offset += part.len() + 1;
    }
    if let Some(&(at, first)) = fields.first() {
        if first.starts_with('@') {
            return Err(err(
                at,
                at + first.len(),
                format!("cron macros such as `{first}` are not supported"),
            )
            .with_help("write the five fields, e.g. `cron 0 0 * * *` for `@daily`"));
        }
    }
    if fields.len() != 5 {
        return Err(err(0, text.len(), format!("cron takes exactly five fields (minute hour day-of-month month day-of-week), found {}", fields.len()))
            .with_help("write e.g. `cron 0 8 * * 1-5`"));
    }
    let mut sets = [0u64; 5];
    let mut canonical = Vec::with_capacity(5);
    for (i, &(at, field_text)) in fields.iter().enumerate() {
        sets[i] = field(&FIELDS[i], field_text)
            .map_err(|(msg, help)| err(at, at + field_text.len(), msg).with_help(help))?;
        canonical.push(field_text.to_ascii_lowercase());
    }
    // Day of week 7 is Sunday, like 0.
    let dow = sets[4];
    let days_of_week = ((dow | (dow >> 7)) & 0x7f) as u8;
    Ok(CronSchedule {
        minutes: sets[0],
        hours: sets[1] as u32,
        days_of_month: sets[2] as u32,
        months: sets[3] as u16,
        days_of_week,
        any_day_of_month: fields[2].1 == "*",
        any_day_of_week: fields[4].1 == "*",
        text: canonical.join(" "),
    })
}

type FieldError = (String, String);

fn field(spec: &Field, text: &str) -> Result<u64, FieldError> {
    let unsupported = |c: &str| {
        Err((
            format!("`{c}` is not supported in cron fields (in `{text}`)"),
            "use `*`, numbers, names, ranges `a-b`, lists `a,b` and steps `/s`".to_owned(),
        ))
    };
    for c in ["?", "#"] {
        if text.contains(c) {
            return unsupported(c);
        }
    }
    for item in text.split(',') {
        let upper = item.to_ascii_uppercase();
        let digits = upper.trim_end_matches(['L', 'W']);
        if digits.len() < upper.len() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return unsupported(&item[digits.len()..]);
        }
    }
    let mut set = 0u64;
    for item in text.split(',') {
        set |= item_bits(spec, item)?;
    }
    Ok(set)
}

fn item_bits(spec: &Field, item: &str) -> Result<u64, FieldError> {
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => {
            let step: u32 = s.parse().map_err(|_| {
                (
                    format!("malformed step `{s}` in {} field `{item}`", spec.name),
                    "a step is a positive number, e.g. `*/15`".to_owned(),
                )
            })?;
            if step == 0 {
                return Err((
                    format!("step 0 in {} field `{item}`", spec.name),
                    "a step must be at least 1".to_owned(),
                ));
            }
            (r, Some(step))
        }
        None => (item, None),
    };
    let (lo, hi) = if range == "*" {
        (spec.min, spec.max)
    } else if let Some((a, b)) = range.split_once('-') {
        let (a, b) = (value(spec, a, item)?, value(spec, b, item)?);
        if a > b {
            return Err((
                format!("reversed range `{range}` in {} field", spec.name),
                format!("write the smaller value first: `{}-{}`", b, a),
            ));
        }
        (a, b)
    } else {
        let v = value(spec, range, item)?;
        // `a/s` means `a-max/s`.
        (v, if step.is_some() { spec.max } else { v })
    };
    let step = step.unwrap_or(1);
    let mut bits = 0u64;
    let mut v = lo;
    while v <= hi {
        bits |= 1 << v;
        v += step;
    }
    Ok(bits)
}

fn value(spec: &Field, text: &str, item: &str) -> Result<u32, FieldError> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = spec.names.iter().position(|n| *n == lower) {
        return Ok(spec.names_start + i as u32);
    }
    let range_help = || {
        let mut help = format!("{} values are {}–{}", spec.name, spec.min, spec.max);
        if let (Some(first), Some(last)) = (spec.names.first(), spec.names.last()) {
            help.push_str(&format!(" or `{first}` … `{last}`"));
        }
        help
    };
    match text.parse::<u32>() {
        Ok(v) if (spec.min..=spec.max).contains(&v) => Ok(v),
        Ok(v) => Err((
            format!("{} {v} is out of range in `{item}`", spec.name),
            range_help(),
        )),
        Err(_) => Err((
            format!("malformed {} field item `{item}`", spec.name),
            range_help(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<CronSchedule, String> {
        cron(text, 0, text.len()).map_err(|e| e.to_string())
    }

    #[test]
    fn fields() {
        let c = parse("0 8 * * 1-5").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.minutes, 1);
        assert_eq!(c.hours, 1 << 8);
        assert_eq!(c.days_of_week, 0b0111110);
        assert!(c.any_day_of_month && !c.any_day_of_week);
        let c = parse("*/15 0-6/2 1,15 JAN-mar SUN,7").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.minutes, 1 | 1 << 15 | 1 << 30 | 1 << 45);
        assert_eq!(c.hours, 1 | 1 << 2 | 1 << 4 | 1 << 6);
        assert_eq!(c.months, 0b1110);
        assert_eq!(c.days_of_week, 1);
        assert_eq!(c.text, "*/15 0-6/2 1,15 jan-mar sun,7");
        let c = parse("5/20 * * * *").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.minutes, 1 << 5 | 1 << 25 | 1 << 45);
    }

    #[test]
    fn errors() {
        for bad in [
            "60 * * * *",
            "5-1 * * * *",
            "*/0 * * * *",
            "* * * *",
            "* * * * * *",
            "* * ? * *",
            "* * L * *",
            "* * 1W * *",
            "* * * * 1#2",
            "@daily",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 8",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
