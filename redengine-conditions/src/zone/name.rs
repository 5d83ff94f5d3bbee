//! Zone names: reading `Europe/Helsinki`, `UTC`, `local` and `UTC+05:30`, and printing
//! the name a reader knows a zone by.

use std::error::Error;
use std::fmt;
use std::str::FromStr;

use chrono::FixedOffset;
#[cfg(feature = "tz")]
use chrono_tz::TZ_VARIANTS;

use super::Zone;
use crate::suggest::suggest;

/// A zone name that names no zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneError {
    name: String,
    suggestion: Option<String>,
    /// An IANA-looking name while the `tz` feature is off.
    needs_tz: bool,
}

impl ZoneError {
    /// The text that was read.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone the text was probably meant to be, if one is close.
    pub fn suggestion(&self) -> Option<&str> {
        self.suggestion.as_deref()
    }
}

impl fmt::Display for ZoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.needs_tz {
            return write!(
                f,
                "time zone `{}` is a named zone, and named zones need redengine's `tz` \
                 feature (add `features = [\"tz\"]` to the program's redengine \
                 dependency), which builds the IANA database into the program; or use `UTC`, \
                 `local` or an offset such as `UTC+05:30`",
                self.name
            );
        }
        write!(f, "unknown time zone `{}`; ", self.name)?;
        match &self.suggestion {
            Some(s) => write!(f, "did you mean `{s}`?"),
            None => write!(
                f,
                "write an IANA name such as `Europe/Helsinki` or `America/New_York`, \
                 `UTC`, `local`, or an offset such as `UTC+05:30`"
            ),
        }
    }
}

impl Error for ZoneError {}

impl FromStr for Zone {
    type Err = ZoneError;

    fn from_str(name: &str) -> Result<Zone, ZoneError> {
        parse(name)
    }
}

/// The words that name the two zones that are not in the database.
const SPECIAL: [&str; 2] = ["UTC", "local"];

pub(super) fn parse(name: &str) -> Result<Zone, ZoneError> {
    let trimmed = name.trim();
    if trimmed.eq_ignore_ascii_case("utc") {
        return Ok(Zone::Utc);
    }
    if trimmed.eq_ignore_ascii_case("local") {
        return Ok(Zone::Local);
    }
    if let Some(offset) = fixed(trimmed) {
        return Ok(Zone::Fixed(offset));
    }
    #[cfg(feature = "tz")]
    if let Ok(tz) = trimmed.parse::<chrono_tz::Tz>() {
        return Ok(Zone::Named(tz));
    }
    if let Some(written) = offset_like(trimmed) {
        return Err(ZoneError {
            name: name.to_owned(),
            suggestion: written,
            needs_tz: false,
        });
    }
    named(name, trimmed)
}

/// The error for a name that is no zone without the database: a named zone needs it.
#[cfg(not(feature = "tz"))]
fn named(name: &str, trimmed: &str) -> Result<Zone, ZoneError> {
    let suggestion = suggest(trimmed, SPECIAL).map(str::to_owned);
    Err(ZoneError {
        name: name.to_owned(),
        needs_tz: suggestion.is_none() && trimmed.contains('/'),
        suggestion,
    })
}

/// The error for a name that is no zone: the closest name of the database, if any.
#[cfg(feature = "tz")]
fn named(name: &str, trimmed: &str) -> Result<Zone, ZoneError> {
    let candidates = SPECIAL
        .into_iter()
        .chain(TZ_VARIANTS.iter().map(|tz| tz.name()));
    // Compare the city alone too: `Helsinki` or `new york` mean one zone.
    let city = trimmed.replace(' ', "_");
    let suggestion = suggest(trimmed, candidates.clone())
        .or_else(|| {
            TZ_VARIANTS.iter().map(|tz| tz.name()).find(|full| {
                full.rsplit('/')
                    .next()
                    .is_some_and(|c| c.eq_ignore_ascii_case(&city))
            })
        })
        .map(str::to_owned);
    Err(ZoneError {
        name: name.to_owned(),
        suggestion,
        needs_tz: false,
    })
}

/// For text that is meant as an offset but not written `UTC±HH:MM` (`UTC+2`, `+0530`):
/// `Some` with the spelling it stands for, if it stands for one (`Some(None)` if not).
fn offset_like(text: &str) -> Option<Option<String>> {
    let rest = strip_utc(text);
    let (sign, digits) = match rest.as_bytes().first()? {
        b'+' => ('+', &rest[1..]),
        b'-' => ('-', &rest[1..]),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    let (h, m) = match digits.len() {
        1 | 2 => (digits.as_str(), "0"),
        3 | 4 => digits.split_at(digits.len() - 2),
        _ => return Some(None),
    };
    let spelled = match (h.parse::<i32>(), m.parse::<i32>()) {
        (Ok(h), Ok(m)) if m < 60 && FixedOffset::east_opt(h * 3600 + m * 60).is_some() => {
            Some(format!("UTC{sign}{h:02}:{m:02}"))
        }
        _ => None,
    };
    Some(spelled)
}

fn strip_utc(text: &str) -> &str {
    match text.get(..3) {
        Some(utc) if utc.eq_ignore_ascii_case("utc") => &text[3..],
        _ => text,
    }
}

/// `UTC+HH:MM` or `UTC-HH:MM` (also `+HH:MM`), as `Display` prints fixed zones.
fn fixed(text: &str) -> Option<FixedOffset> {
    let rest = strip_utc(text);
    let (sign, rest) = match rest.as_bytes().first()? {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

impl fmt::Display for Zone {
    /// `UTC`, `Europe/Helsinki`, `UTC+05:30`, or `local time (Europe/Helsinki)` with the
    /// local zone's name when the `TZ` variable or `/etc/localtime` tells it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Utc => f.write_str("UTC"),
            Zone::Fixed(offset) => write!(f, "UTC{offset}"),
            #[cfg(feature = "tz")]
            Zone::Named(tz) => f.write_str(tz.name()),
            Zone::Local => match local_name() {
                Some(name) => write!(f, "local time ({name})"),
                None => f.write_str("local time"),
            },
        }
    }
}

/// The name of the process's zone: the `TZ` variable (without a leading `:`, and with a
/// path below a `zoneinfo` directory read as that name), else where `/etc/localtime` links.
fn local_name() -> Option<String> {
    if let Some(tz) = std::env::var_os("TZ") {
        let tz = tz.to_string_lossy();
        let tz = tz.strip_prefix(':').unwrap_or(&tz);
        let tz = tz.rsplit_once("zoneinfo/").map_or(tz, |(_, name)| name);
        if !tz.is_empty() {
            return Some(tz.to_owned());
        }
    }
    let target = std::fs::read_link("/etc/localtime").ok()?;
    let target = target.to_string_lossy();
    target
        .rsplit_once("zoneinfo/")
        .map(|(_, name)| name.to_owned())
}

impl Zone {
    /// The name of the process's local zone, when the `TZ` variable or the
    /// `/etc/localtime` link tells it (`Europe/Helsinki`).
    pub fn local_name() -> Option<String> {
        local_name()
    }
}
