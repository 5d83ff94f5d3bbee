//! A record's instants, truncated to the log's precision (whole microseconds), and the
//! runtime between them.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, SubsecRound, Timelike};

/// `t` truncated to a whole microsecond, the log's precision: what `trunc_subsecs(6)`
/// gives, without its date arithmetic (three of these per run; the offset is whole
/// seconds, so truncating the UTC instant's fraction is the same).
pub(super) fn whole_micros(t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    let utc = t.naive_utc();
    match utc.with_nanosecond(utc.nanosecond() / 1_000 * 1_000) {
        Some(utc) => DateTime::from_naive_utc_and_offset(utc, *t.offset()),
        None => t.trunc_subsecs(6),
    }
}

/// `end − start`, zero when the clock stepped back: what `(end - start).to_std()` gives.
/// perfspeed: a run mostly starts and ends on one UTC day, where the difference is the
/// seconds since midnight and the fractions; chrono's date arithmetic is the rest.
pub(super) fn runtime(start: DateTime<FixedOffset>, end: DateTime<FixedOffset>) -> Duration {
    let (s, e) = (start.naive_utc(), end.naive_utc());
    // A leap second's fraction reaches past 1e9: left to chrono.
    if s.date() == e.date() && s.nanosecond() < 1_000_000_000 && e.nanosecond() < 1_000_000_000 {
        let secs =
            i64::from(e.num_seconds_from_midnight()) - i64::from(s.num_seconds_from_midnight());
        let nanos = secs * 1_000_000_000 + i64::from(e.nanosecond()) - i64::from(s.nanosecond());
        return u64::try_from(nanos).map_or(Duration::ZERO, Duration::from_nanos);
    }
    (end - start).to_std().unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_is_what_chrono_subtracts() {
        let zones = [0, 3 * 3600, -(9 * 3600 + 30 * 60)];
        let instants = [
            (1_700_000_000, 0),
            (1_700_000_000, 999_999_000),
            (1_700_000_001, 5_000),
            (1_700_006_399, 999_999_000),
            // The next UTC day, and one before the epoch.
            (1_700_006_400, 0),
            (1_700_092_801, 1_000),
            (-86_401, 500_000),
            // A leap second's fraction (chrono keeps it past 1e9).
            (1_700_006_399, 1_500_000_000),
        ];
        for (s, sn) in instants {
            for (e, en) in instants {
                for z in zones {
                    let zone = FixedOffset::east_opt(z).unwrap();
                    let start = DateTime::from_timestamp(s, sn)
                        .unwrap()
                        .with_timezone(&zone);
                    let end = DateTime::from_timestamp(e, en)
                        .unwrap()
                        .with_timezone(&zone);
                    let chrono = (end - start).to_std().unwrap_or(Duration::ZERO);
                    assert_eq!(runtime(start, end), chrono, "{start:?} {end:?}");
                }
            }
        }
    }

    #[test]
    fn whole_micros_truncates_like_chrono() {
        let zones = [0, 3 * 3600, -(9 * 3600 + 30 * 60)];
        let nanos = [
            0,
            1,
            999,
            1_000,
            123_456_789,
            999_999_999,
            1_000_000_500,
            1_999_999_999,
        ];
        for secs in [-86_400 * 365 * 60, -1, 0, 1_700_000_000, 4_102_444_800] {
            for n in nanos {
                for z in zones {
                    let Some(utc) = DateTime::from_timestamp(secs, n) else {
                        continue;
                    };
                    let t = utc.with_timezone(&FixedOffset::east_opt(z).unwrap());
                    assert_eq!(whole_micros(t), t.trunc_subsecs(6), "{t:?}");
                }
            }
        }
    }
}
