//! The text form of a record's fields in the CSV log (spec §5.5): timestamps, runtimes,
//! the header, and turning one parsed row back into a [`TaskRecord`].

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, Datelike, FixedOffset, Timelike};

use super::{Action, TaskRecord};

/// The column names, in order.
pub(super) const COLUMNS: [&str; 8] = [
    "task_name",
    "created",
    "action",
    "start",
    "end",
    "runtime",
    "message",
    "exc_text",
];

/// The header line exactly as written, terminator included.
pub(super) const HEADER_LINE: &str =
    "task_name,created,action,start,end,runtime,message,exc_text\n";

/// Appends `2024-01-03T08:00:02.500000+01:00` to `out`.
///
/// Written by hand rather than with a chrono format string: this runs for every row and
/// the hand-written form is several times faster, with the same output.
pub(super) fn push_timestamp(out: &mut String, at: &DateTime<FixedOffset>) {
    let offset = at.offset().local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}{sign}{:02}:{:02}",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        // A leap second is stored as nanosecond >= 1e9; keep it inside 6 digits.
        (at.nanosecond() % 1_000_000_000) / 1_000,
        offset / 3600,
        (offset % 3600) / 60,
    );
}

/// Appends a runtime as seconds with 6 fraction digits: `2.500000`.
pub(super) fn push_runtime(out: &mut String, runtime: Duration) {
    let _ = write!(out, "{}.{:06}", runtime.as_secs(), runtime.subsec_micros());
}

/// Parses an ISO 8601 timestamp with an offset or `Z`.
fn parse_timestamp(column: &str, text: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(text).map_err(|_| {
        format!(
            "`{column}` is not an ISO 8601 timestamp with an offset \
             (like 2024-01-03T08:00:02.500000+01:00): `{text}`"
        )
    })
}

fn parse_optional_timestamp(
    column: &str,
    text: &str,
) -> Result<Option<DateTime<FixedOffset>>, String> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse_timestamp(column, text).map(Some)
    }
}

/// Parses `2.500000` (any number of fraction digits up to 9) into a duration.
fn parse_runtime(text: &str) -> Result<Option<Duration>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || format!("`runtime` is not a number of seconds (like 2.500000): `{text}`");
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 9 {
        return Err(bad());
    }
    let secs: u64 = whole.parse().map_err(|_| bad())?;
    let nanos = if fraction.is_empty() {
        0
    } else {
        let digits: u32 = fraction.parse().map_err(|_| bad())?;
        digits * 10u32.pow(9 - fraction.len() as u32)
    };
    Ok(Some(Duration::new(secs, nanos)))
}

fn parse_action(text: &str) -> Result<Action, String> {
    text.parse::<Action>().map_err(|e| e.to_string())
}

/// Turns one row into a record, or says why it cannot.
pub(super) fn parse_row(row: &csv::ByteRecord) -> Result<TaskRecord, String> {
    if row.len() != COLUMNS.len() {
        return Err(format!(
            "expected {} fields, found {}",
            COLUMNS.len(),
            row.len()
        ));
    }
    let mut fields = [""; 8];
    for (i, (slot, bytes)) in fields.iter_mut().zip(row.iter()).enumerate() {
        *slot = std::str::from_utf8(bytes)
            .map_err(|_| format!("`{}` is not valid UTF-8", COLUMNS[i]))?;
    }
    let [task_name, created, action, start, end, runtime, message, exc_text] = fields;
    if task_name.is_empty() {
        return Err("`task_name` is empty".to_owned());
    }
    Ok(TaskRecord {
        task_name: task_name.to_owned(),
        created: parse_timestamp("created", created)?,
        action: parse_action(action)?,
        start: parse_optional_timestamp("start", start)?,
        end: parse_optional_timestamp("end", end)?,
        runtime: parse_runtime(runtime)?,
        message: message.to_owned(),
        exc_text: exc_text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(at: &DateTime<FixedOffset>) -> String {
        let mut s = String::new();
        push_timestamp(&mut s, at);
        s
    }

    #[test]
    fn timestamps_have_six_digits_and_the_offset() {
        let at = DateTime::parse_from_rfc3339("2024-01-03T08:00:02.5+01:00").unwrap();
        assert_eq!(ts(&at), "2024-01-03T08:00:02.500000+01:00");
        let utc = DateTime::parse_from_rfc3339("2024-01-03T08:00:00Z").unwrap();
        assert_eq!(ts(&utc), "2024-01-03T08:00:00.000000+00:00");
        let west = DateTime::parse_from_rfc3339("1999-12-31T23:59:59.000001-03:30").unwrap();
        assert_eq!(ts(&west), "1999-12-31T23:59:59.000001-03:30");
        assert_eq!(at.format("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string(), ts(&at));
    }

    #[test]
    fn timestamps_parse_with_z_and_offsets() {
        let z = parse_timestamp("created", "2024-01-03T08:00:02.500000Z").unwrap();
        let plus = parse_timestamp("created", "2024-01-03T09:00:02.500000+01:00").unwrap();
        assert_eq!(z, plus);
        let err = parse_timestamp("created", "yesterday").unwrap_err();
        assert!(
            err.contains("`created`") && err.contains("`yesterday`"),
            "{err}"
        );
    }

    #[test]
    fn runtimes_round_trip() {
        let mut s = String::new();
        push_runtime(&mut s, Duration::from_millis(2500));
        assert_eq!(s, "2.500000");
        assert_eq!(
            parse_runtime("2.500000"),
            Ok(Some(Duration::from_millis(2500)))
        );
        assert_eq!(parse_runtime("3"), Ok(Some(Duration::from_secs(3))));
        assert_eq!(parse_runtime(""), Ok(None));
        for bad in ["-1.0", "1.5e3", ".5", "1.0000000001", "abc", "1.2.3"] {
            assert!(parse_runtime(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn actions_parse_by_name() {
        for action in Action::ALL {
            assert_eq!(parse_action(action.as_str()), Ok(action));
        }
        assert!(parse_action("Run").unwrap_err().contains("expected one of"));
    }

    #[test]
    fn rows_with_wrong_field_counts_are_rejected() {
        let row = csv::ByteRecord::from(vec!["a", "b"]);
        assert_eq!(parse_row(&row).unwrap_err(), "expected 8 fields, found 2");
    }

    #[test]
    fn header_line_matches_columns() {
        assert_eq!(HEADER_LINE.trim_end(), COLUMNS.join(","));
    }
}
