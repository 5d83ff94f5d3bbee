//! `cron [S] M H DOM MON DOW` and the `@daily` family: fields read into bit sets.

use crate::ast::CronSchedule;
use crate::error::{ParseError, ParseErrorKind};
use crate::suggest::suggest;

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

const SECONDS: Field = Field {
    name: "second",
    min: 0,
    max: 59,
    names: &[],
    names_start: 0,
};

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

/// The schedules cron users write by name, and the five fields each stands for.
/// `@midnight` and `@annually` are the common aliases of `@daily` and `@yearly`.
pub(crate) const MACROS: [(&str, &str); 7] = [
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

/// Reads the cron fields at `whole[start..start + len]`: five fields, six with seconds
/// first, or one of the [`MACROS`].
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
            return macro_schedule(first, fields.len())
                .map_err(|(msg, help)| err(at, text.len(), msg).with_help(help));
        }
    }
    let (seconds, fields) = match fields.len() {
        5 => (None, &fields[..]),
        6 => {
            let (at, field_text) = fields[0];
            let bits = field(&SECONDS, field_text)
                .map_err(|(msg, help)| err(at, at + field_text.len(), msg).with_help(help))?;
            (Some(bits), &fields[1..])
        }
        n => {
            return Err(err(
                0,
                text.len(),
                format!(
                    "cron takes five fields (minute hour day-of-month month day-of-week) \
                     or six with seconds first, found {n}"
                ),
            )
            .with_help("write e.g. `cron 0 8 * * 1-5`, `cron 30 0 8 * * 1-5` or `cron @daily`"))
        }
    };
    let mut sets = [0u64; 5];
    for (i, &(at, field_text)) in fields.iter().enumerate() {
        sets[i] = field(&FIELDS[i], field_text)
            .map_err(|(msg, help)| err(at, at + field_text.len(), msg).with_help(help))?;
    }
    let mut canonical: Vec<String> = Vec::with_capacity(6);
    if seconds.is_some() {
        canonical.push(fields_text_before(text, fields));
    }
    canonical.extend(fields.iter().map(|(_, f)| f.to_ascii_lowercase()));
    Ok(schedule(
        seconds,
        sets,
        fields[2].1 == "*",
        fields[4].1 == "*",
        canonical.join(" "),
    ))
}

/// The seconds field of a six-field schedule, lower-cased (the field before `fields`).
fn fields_text_before(text: &str, fields: &[(usize, &str)]) -> String {
    let first = fields.first().map_or(text.len(), |&(at, _)| at);
    text[..first].trim().to_ascii_lowercase()
}

fn schedule(
    seconds: Option<u64>,
    sets: [u64; 5],
    any_day_of_month: bool,
    any_day_of_week: bool,
    text: String,
) -> CronSchedule {
    // Day of week 7 is Sunday, like 0.
    let dow = sets[4];
    let days_of_week = ((dow | (dow >> 7)) & 0x7f) as u8;
    CronSchedule {
        seconds,
        minutes: sets[0],
        hours: sets[1] as u32,
        days_of_month: sets[2] as u32,
        months: sets[3] as u16,
        days_of_week,
        any_day_of_month,
        any_day_of_week,
        text,
    }
}

/// `@daily` & co. (any case), alone.
fn macro_schedule(word: &str, count: usize) -> Result<CronSchedule, FieldError> {
    let lower = word.to_ascii_lowercase();
    if lower == "@reboot" {
        return Err((
            "`@reboot` is not a wall-clock schedule".to_owned(),
            "to run when the scheduler starts, write `scheduler has 0 cycles`".to_owned(),
        ));
    }
    let Some(&(name, fields)) = MACROS.iter().find(|(name, _)| *name == lower) else {
        let names: Vec<&str> = MACROS.iter().map(|(name, _)| *name).collect();
        let help = match suggest(&lower, names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("the named schedules are {}", names.join(", ")),
        };
        return Err((format!("unknown cron schedule `{word}`"), help));
    };
    if count > 1 {
        return Err((
            format!("`{name}` stands for all five fields and takes nothing after it"),
            format!("write `cron {name}` alone, or the fields it stands for: `cron {fields}`"),
        ));
    }
    let mut sets = [0u64; 5];
    for (i, f) in fields.split(' ').enumerate() {
        sets[i] = field(&FIELDS[i], f).unwrap_or(0);
    }
    let parts: Vec<&str> = fields.split(' ').collect();
    Ok(schedule(
        None,
        sets,
        parts[2] == "*",
        parts[4] == "*",
        name.to_owned(),
    ))
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
        assert_eq!(c.seconds, None);
    }

    #[test]
    fn seconds_and_macros() {
        let c = parse("*/20  0 8 * * MON").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.seconds, Some(1 | 1 << 20 | 1 << 40));
        assert_eq!(c.minutes, 1);
        assert_eq!(c.text, "*/20 0 8 * * mon");
        let daily = parse("@DAILY").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(daily.text, "@daily");
        let fields = parse("0 0 * * *").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((daily.minutes, daily.hours), (fields.minutes, fields.hours));
        for (name, fields) in MACROS {
            let named = parse(name).unwrap_or_else(|e| panic!("{e}"));
            let written = parse(fields).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                CronSchedule {
                    text: String::new(),
                    ..named
                },
                CronSchedule {
                    text: String::new(),
                    ..written
                }
            );
        }
        assert_eq!(
            parse("@dialy").unwrap_err(),
            "unknown cron schedule `@dialy`\n  @dialy\n  ^^^^^^\n  help: did you mean `@daily`?"
        );
    }

    #[test]
    fn errors() {
        for bad in [
            "60 * * * *",
            "5-1 * * * *",
            "*/0 * * * *",
            "* * * *",
            "* * * * * * *",
            "60 * * * * *",
            "@dialy",
            "@daily *",
            "@reboot",
            "* * ? * *",
            "* * L * *",
            "* * 1W * *",
            "* * * * 1#2",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 8",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
