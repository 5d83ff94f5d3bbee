//! The text form of a record's fields in the CSV log: timestamps, runtimes, the header,
//! and turning one row back into a [`TaskRecord`] or just its [`RecordHead`].

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeDelta, Timelike};

use super::{Action, RecordHead, TaskRecord};

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
    // inline (perfspeed): each field of a `DateTime<FixedOffset>` adds the offset to the
    // UTC instant again (seven times a timestamp, three timestamps a row); the local
    // date-time once.
    let at = at.naive_local();
    // A leap second is stored as nanosecond >= 1e9; keep it inside 6 digits.
    let micros = (at.nanosecond() % 1_000_000_000) / 1_000;
    let year = at.year();
    let Ok(year @ 0..=9999) = u32::try_from(year) else {
        // Years without four digits keep `write!`'s form (sign, more digits).
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{micros:06}{sign}{:02}:{:02}",
            at.month(),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            offset / 3600,
            (offset % 3600) / 60,
        );
        return;
    };
    // The common case by hand: `write!` with its padding costs half of a row's encoding.
    let mut buf = *b"0000-00-00T00:00:00.000000+00:00";
    digits(&mut buf[0..4], year);
    digits(&mut buf[5..7], at.month());
    digits(&mut buf[8..10], at.day());
    digits(&mut buf[11..13], at.hour());
    digits(&mut buf[14..16], at.minute());
    digits(&mut buf[17..19], at.second());
    digits(&mut buf[20..26], micros);
    buf[26] = sign as u8;
    digits(&mut buf[27..29], offset / 3600);
    digits(&mut buf[30..32], (offset % 3600) / 60);
    // Every byte is an ASCII digit or punctuation.
    out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
}

/// Writes `value` as decimal digits into all of `slot`, zero-padded (the value fits).
fn digits(slot: &mut [u8], mut value: u32) {
    // inline (perfspeed): two digits a division, from a table (a timestamp has 26).
    let mut end = slot.len();
    while end >= 2 {
        slot[end - 2..end].copy_from_slice(&PAIRS[(value % 100) as usize]);
        value /= 100;
        end -= 2;
    }
    if end == 1 {
        slot[0] = b'0' + (value % 10) as u8;
    }
}

/// `00` to `99`, by value.
const PAIRS: [[u8; 2]; 100] = {
    let mut pairs = [[0; 2]; 100];
    let mut i = 0;
    while i < 100 {
        pairs[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    pairs
};

/// Appends a runtime as seconds with 6 fraction digits: `2.500000`.
pub(super) fn push_runtime(out: &mut String, runtime: Duration) {
    let _ = write!(out, "{}.", runtime.as_secs());
    let mut buf = *b"000000";
    digits(&mut buf, runtime.subsec_micros());
    out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
}

/// Parses an ISO 8601 timestamp with an offset or `Z`.
///
/// The writer's own form (`2024-01-03T08:00:02.500000+01:00`) is read by hand: start-up
/// reads three of them per row, and this is several times faster than the general parser,
/// which handles every other form.
fn parse_timestamp(column: &str, text: &str) -> Result<DateTime<FixedOffset>, String> {
    if let Some(at) = parse_written_timestamp(text.as_bytes()) {
        return Ok(at);
    }
    DateTime::parse_from_rfc3339(text).map_err(|_| {
        format!(
            "`{column}` is not an ISO 8601 timestamp with an offset \
             (like 2024-01-03T08:00:02.500000+01:00): `{text}`"
        )
    })
}

/// `YYYY-MM-DDTHH:MM:SS.ffffff±HH:MM` exactly, or `None` (then the general parser decides).
fn parse_written_timestamp(b: &[u8]) -> Option<DateTime<FixedOffset>> {
    if b.len() != 32
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[29] != b':'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let time = date.and_hms_micro_opt(num(11..13)?, num(14..16)?, num(17..19)?, num(20..26)?)?;
    let (hours, minutes) = (num(27..29)?, num(30..32)?);
    if minutes > 59 {
        return None;
    }
    let offset = (hours * 3600 + minutes * 60) as i32;
    let offset = match b[26] {
        b'+' => FixedOffset::east_opt(offset)?,
        b'-' => FixedOffset::west_opt(offset)?,
        _ => return None,
    };
    let utc = time.checked_sub_signed(TimeDelta::seconds(offset.local_minus_utc().into()))?;
    Some(DateTime::from_naive_utc_and_offset(utc, offset))
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

/// Field `column` as text.
fn text(column: usize, bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|_| format!("`{}` is not valid UTF-8", COLUMNS[column]))
}

/// Checks one field of column `column` the way a row is parsed, without keeping it.
pub(super) fn check_field(column: usize, bytes: &[u8]) -> Result<(), String> {
    let value = text(column, bytes)?;
    match column {
        0 if value.is_empty() => Err("`task_name` is empty".to_owned()),
        1 => parse_timestamp("created", value).map(drop),
        2 => parse_action(value).map(drop),
        3 | 4 => parse_optional_timestamp(COLUMNS[column], value).map(drop),
        5 => parse_runtime(value).map(drop),
        _ => Ok(()),
    }
}

/// A row as the reader split it: what the parsers here need of it (the reader's `Row`
/// implements it; this module knows nothing else of the reader).
pub(super) trait Fields {
    /// The number of fields.
    fn len(&self) -> usize;
    /// The unescaped bytes of every field, one after another.
    fn bytes(&self) -> &[u8];
    /// Where field `i` starts and ends in [`Fields::bytes`].
    fn span(&self, i: usize) -> (usize, usize);
    /// The bytes of field `i`.
    fn field(&self, i: usize) -> &[u8];
}

/// The fields of a row as text, or why the row is not a record.
fn fields(row: &impl Fields) -> Result<[&str; 8], String> {
    if row.len() != COLUMNS.len() {
        return Err(format!(
            "expected {} fields, found {}",
            COLUMNS.len(),
            row.len()
        ));
    }
    let mut fields = [""; 8];
    // One UTF-8 check for the whole row; a field is text if it starts and ends on
    // character boundaries of it.
    let all = std::str::from_utf8(row.bytes());
    for (i, slot) in fields.iter_mut().enumerate() {
        let (start, end) = row.span(i);
        *slot = match &all {
            Ok(all) if all.is_char_boundary(start) && all.is_char_boundary(end) => &all[start..end],
            _ => text(i, row.field(i))?,
        };
    }
    if fields[0].is_empty() {
        return Err("`task_name` is empty".to_owned());
    }
    Ok(fields)
}

/// Turns one row into a record, or says why it cannot.
pub(super) fn parse_row(row: &impl Fields) -> Result<TaskRecord, String> {
    let [task_name, created, action, start, end, runtime, message, exc_text] = fields(row)?;
    Ok(TaskRecord {
        task_name: task_name.to_owned(),
        created: parse_timestamp("created", created)?,
        action: parse_action(action)?,
        start: parse_optional_timestamp("start", start)?,
        end: parse_optional_timestamp("end", end)?,
        runtime: parse_runtime(runtime)?,
        message: message.to_owned(),
        exc_text: exc_text.to_owned(),
        attempt: RecordHead::attempt_in(message).0,
    })
}

/// The part of a row the history needs, checked exactly as [`parse_row`] checks it (a row
/// is a record for both or for neither), without copying any text.
pub(super) fn parse_head<R: Fields>(row: &R) -> Result<RecordHead<'_>, String> {
    let [task_name, created, action, start, end, runtime, message, _] = fields(row)?;
    let (attempt, retry_at) = RecordHead::attempt_in(message);
    let head = RecordHead {
        task_name,
        created: parse_timestamp("created", created)?,
        action: parse_action(action)?,
        start: parse_optional_timestamp("start", start)?,
        attempt,
        retry_at,
    };
    parse_optional_timestamp("end", end)?;
    parse_runtime(runtime)?;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(at: &DateTime<FixedOffset>) -> String {
        let mut s = String::new();
        push_timestamp(&mut s, at);
        s
    }

    /// The form rows had before the hand-written encoder: the reference it must match.
    fn reference(at: &DateTime<FixedOffset>) -> String {
        let offset = at.offset().local_minus_utc();
        let sign = if offset < 0 { '-' } else { '+' };
        let offset = offset.unsigned_abs();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}{sign}{:02}:{:02}",
            at.year(),
            at.month(),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            (at.nanosecond() % 1_000_000_000) / 1_000,
            offset / 3600,
            (offset % 3600) / 60,
        )
    }

    #[test]
    fn timestamps_are_byte_identical_to_the_formatted_form() {
        use chrono::{NaiveDate, TimeZone};
        let offsets = [0, 3_600, -12_600, 45_900, -43_200, 50_400, 59, -61];
        // A spread of instants from year 0 to 9999, with odd nanoseconds.
        let mut secs: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
        let mut nanos: u32 = 7;
        while secs < 253_402_300_799 {
            for off in offsets {
                let zone = FixedOffset::east_opt(off).unwrap();
                if let Some(at) = DateTime::from_timestamp(secs, nanos) {
                    let at = at.with_timezone(&zone);
                    assert_eq!(ts(&at), reference(&at));
                }
            }
            secs += 9_876_543_211;
            nanos = (nanos.wrapping_mul(2_654_435_761) ^ 0x5bd1_e995) % 1_000_000_000;
        }
        // A leap second, and years outside four digits.
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .unwrap();
        let zone = FixedOffset::east_opt(0).unwrap();
        let leap = zone.from_utc_datetime(&leap);
        assert_eq!(ts(&leap), reference(&leap));
        for year in [-1, -44, 10_000, 262_000] {
            let at = NaiveDate::from_ymd_opt(year, 6, 1)
                .and_then(|d| d.and_hms_micro_opt(1, 2, 3, 4))
                .unwrap();
            let at = zone.from_utc_datetime(&at);
            assert_eq!(ts(&at), reference(&at));
        }
    }

    #[test]
    fn runtimes_are_byte_identical_to_the_formatted_form() {
        for micros in [
            0_u64,
            1,
            999_999,
            1_000_000,
            2_500_000,
            86_400_000_001,
            u64::MAX / 7,
        ] {
            let d = Duration::from_micros(micros);
            let mut got = String::new();
            push_runtime(&mut got, d);
            assert_eq!(got, format!("{}.{:06}", d.as_secs(), d.subsec_micros()));
        }
    }

    #[test]
    fn digits_fill_their_slot_zero_padded() {
        for (width, value) in [(1, 7), (2, 5), (3, 42), (4, 2024), (5, 99_999), (6, 1_000)] {
            let mut slot = vec![b'x'; width];
            digits(&mut slot, value);
            assert_eq!(String::from_utf8(slot).unwrap(), format!("{value:0width$}"));
        }
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
    fn the_written_form_is_read_like_the_general_parser_reads_it() {
        for text in [
            "2024-01-03T08:00:02.500000+01:00",
            "1999-12-31T23:59:59.000001-03:30",
            "2024-02-29T00:00:00.000000+00:00",
            "2024-01-03T08:00:02.500000-00:00",
        ] {
            let general = DateTime::parse_from_rfc3339(text).unwrap();
            assert_eq!(
                parse_written_timestamp(text.as_bytes()),
                Some(general),
                "{text}"
            );
        }
        for bad in [
            "2023-02-29T00:00:00.000000+00:00",
            "2024-01-03T24:00:00.000000+00:00",
            "2024-01-03T08:00:02.50000a+01:00",
            "2024-01-03T08:00:02.500000*01:00",
            "2024-01-03T08:00:02.500000+01:60",
        ] {
            assert_eq!(parse_written_timestamp(bad.as_bytes()), None, "{bad}");
            assert!(parse_timestamp("created", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn header_line_matches_columns() {
        assert_eq!(HEADER_LINE.trim_end(), COLUMNS.join(","));
    }
}
