//! Instants on the command line: `--at TIME` in, wall-clock text out, both in the
//! session's zone, so what the user reads matches what the condition strings say.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use redengine_conditions::Zone;

use super::failure::UsageError;

/// The forms `--at` accepts, for messages and `--help`.
pub(crate) const AT_FORMS: &str =
    "`2024-01-03T08:05`, `2024-01-03T08:05:30`, `2024-01-03` (midnight) or `08:05` (today)";

/// Date-and-time layouts, with `T` or a space between the parts.
const DATE_TIMES: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
];

/// Time-of-day layouts (today in the zone).
const TIMES: &[&str] = &["%H:%M:%S%.f", "%H:%M"];

/// Parses `--at TIME`: a wall-clock time in `zone` (a bare time is on the day of `now`
/// there), or an RFC 3339 instant with its own offset.
pub(crate) fn parse_at(
    text: &str,
    zone: Zone,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, UsageError> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let naive = DATE_TIMES
        .iter()
        .find_map(|layout| NaiveDateTime::parse_from_str(text, layout).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .map(|day| day.and_time(NaiveTime::MIN))
        })
        .or_else(|| {
            let today = zone.to_local(now).date();
            TIMES
                .iter()
                .find_map(|layout| NaiveTime::parse_from_str(text, layout).ok())
                .map(|time| today.and_time(time))
        });
    match naive {
        Some(naive) => Ok(zone.from_local(naive)),
        None => Err(UsageError {
            message: format!("`--at {text}` is not a date or time"),
            help: Some(format!("write {AT_FORMS}, in the session's time zone")),
        }),
    }
}

/// `2024-01-03 08:05:00`, the wall-clock reading of `at` in `zone`.
pub(crate) fn show(at: DateTime<Utc>, zone: Zone) -> String {
    zone.to_local(at).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The zone as a reader knows it: `UTC`, `UTC+01:00`, `Europe/Helsinki`, or for the local
/// zone its name and its offset at `at` (`local time (Europe/Helsinki, UTC+02:00)`, or only
/// the offset when the name is unknown).
pub(crate) fn zone_name(zone: Zone, at: DateTime<Utc>) -> String {
    match zone {
        Zone::Local => {
            let offset = zone.offset_at(at);
            match Zone::local_name() {
                Some(name) => format!("local time ({name}, UTC{offset})"),
                None => format!("local time (UTC{offset})"),
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, TimeZone};

    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        match Utc.with_ymd_and_hms(y, mo, d, h, mi, s) {
            chrono::LocalResult::Single(t) => t,
            _ => panic!("bad test instant"),
        }
    }

    #[test]
    fn every_form() {
        let now = utc(2024, 1, 3, 12, 0, 0);
        let z = Zone::Utc;
        let at = |s: &str| parse_at(s, z, now).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(at("2024-01-03T08:05"), utc(2024, 1, 3, 8, 5, 0));
        assert_eq!(at("2024-01-03T08:05:30"), utc(2024, 1, 3, 8, 5, 30));
        assert_eq!(at("2024-01-03 08:05"), utc(2024, 1, 3, 8, 5, 0));
        assert_eq!(at("2024-01-02"), utc(2024, 1, 2, 0, 0, 0));
        assert_eq!(at("08:05"), utc(2024, 1, 3, 8, 5, 0));
        assert_eq!(at("2024-01-03T08:05:00+01:00"), utc(2024, 1, 3, 7, 5, 0));
    }

    #[test]
    fn wall_clock_of_the_zone() {
        let plus_one = match FixedOffset::east_opt(3600) {
            Some(o) => Zone::Fixed(o),
            None => panic!("offset"),
        };
        // 23:30 UTC is already the 4th at +01:00: "08:05" means 08:05 on the 4th there.
        let now = utc(2024, 1, 3, 23, 30, 0);
        let at = parse_at("08:05", plus_one, now).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(at, utc(2024, 1, 4, 7, 5, 0));
        assert_eq!(show(at, plus_one), "2024-01-04 08:05:00");
        assert_eq!(zone_name(plus_one, now), "UTC+01:00");
        let local = zone_name(Zone::Local, now);
        assert!(local.starts_with("local time ("), "{local}");
        assert!(local.contains("UTC+") || local.contains("UTC-"), "{local}");
    }

    #[test]
    fn rejects_with_the_forms() {
        let e = match parse_at("tomorrow", Zone::Utc, utc(2024, 1, 1, 0, 0, 0)) {
            Err(e) => e,
            Ok(t) => panic!("accepted as {t}"),
        };
        assert_eq!(e.message, "`--at tomorrow` is not a date or time");
        assert!(e.help.unwrap_or_default().contains("`08:05` (today)"));
    }
}
