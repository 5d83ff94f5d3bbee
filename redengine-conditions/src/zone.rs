//! The time zone wall-clock periods are computed in (spec §3.7).
//!
//! Periods (`daily`, `time of week …`) are wall-clock periods, while log records are
//! absolute instants. Evaluation converts `now` to the wall clock once, builds occurrence
//! windows there, and converts their edges back to instants. Internally both sides are
//! `i64` microseconds: "wall" values count from the naive 1970-01-01 00:00, instants from
//! the UTC epoch, so conversions in the `Utc` and `Fixed` zones are one subtraction.

use chrono::{
    DateTime, FixedOffset, Local, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc,
};

use crate::history::{instant, micros};

const SECOND: i64 = 1_000_000;

/// The time zone in which wall-clock periods are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Zone {
    /// Coordinated Universal Time: no offset, no daylight saving.
    #[default]
    Utc,
    /// The process's local time zone (the `TZ` variable or the system setting), with its
    /// daylight-saving changes.
    Local,
    /// A fixed offset from UTC, without daylight saving.
    Fixed(FixedOffset),
}

impl Zone {
    /// The wall-clock time of `t` in this zone.
    pub fn to_local(self, t: DateTime<Utc>) -> NaiveDateTime {
        naive(self.wall_of(micros(t)))
    }

    /// The instant a wall-clock time denotes in this zone.
    ///
    /// A time inside a daylight-saving gap moves forward by the gap (02:30 becomes 03:30);
    /// an ambiguous one (the repeated hour when clocks go back) is the earlier instant.
    pub fn from_local(self, local: NaiveDateTime) -> DateTime<Utc> {
        instant(self.utc_of(wall(local)))
    }

    /// The wall-clock value (µs since the naive epoch) of the instant `us`.
    pub(crate) fn wall_of(self, us: i64) -> i64 {
        match self {
            Zone::Utc => us,
            Zone::Fixed(offset) => us.saturating_add(offset_micros(offset)),
            Zone::Local => wall_in(&Local, us),
        }
    }

    /// The earliest instant (µs) a wall-clock value denotes, gaps moved forward.
    pub(crate) fn utc_of(self, wall: i64) -> i64 {
        match self {
            Zone::Utc => wall,
            Zone::Fixed(offset) => wall.saturating_sub(offset_micros(offset)),
            Zone::Local => utc_in(&Local, wall).0,
        }
    }

    /// The first instant (µs) after `now` a wall-clock value denotes, for the next-change
    /// computation: when clocks go back, the earlier reading of a repeated time may already
    /// be past, and the later one is the edge the scheduler must wake for. Never ≤ `now`.
    pub(crate) fn utc_after(self, wall: i64, now: i64) -> i64 {
        let (earlier, later) = match self {
            Zone::Local => utc_in(&Local, wall),
            other => {
                let us = other.utc_of(wall);
                (us, us)
            }
        };
        if earlier > now {
            earlier
        } else if later > now {
            later
        } else {
            now.saturating_add(1)
        }
    }
}

fn offset_micros(offset: FixedOffset) -> i64 {
    i64::from(offset.local_minus_utc()) * SECOND
}

/// The naive date-time of a wall value, saturating at chrono's range.
pub(crate) fn naive(wall: i64) -> NaiveDateTime {
    instant(wall).naive_utc()
}

/// The wall value of a naive date-time.
pub(crate) fn wall(local: NaiveDateTime) -> i64 {
    local.and_utc().timestamp_micros()
}

/// The wall value of the instant `us` in any chrono zone.
fn wall_in<Tz: TimeZone>(tz: &Tz, us: i64) -> i64 {
    let offset = tz.offset_from_utc_datetime(&instant(us).naive_utc()).fix();
    us.saturating_add(offset_micros(offset))
}

/// The instants a wall value denotes in any chrono zone, as (earlier, later): equal
/// unless the time is ambiguous. A time in a gap is read with the offset in force before
/// the gap, which moves it forward by the gap's length.
fn utc_in<Tz: TimeZone>(tz: &Tz, wall: i64) -> (i64, i64) {
    let local = naive(wall);
    match tz.offset_from_local_datetime(&local) {
        LocalResult::Single(offset) => {
            let us = wall.saturating_sub(offset_micros(offset.fix()));
            (us, us)
        }
        LocalResult::Ambiguous(first, second) => {
            let a = wall.saturating_sub(offset_micros(first.fix()));
            let b = wall.saturating_sub(offset_micros(second.fix()));
            (a.min(b), a.max(b))
        }
        LocalResult::None => {
            // The offset a day earlier is the one in force before the gap (transitions
            // are months apart in every real zone).
            let before = local
                .checked_sub_signed(TimeDelta::days(1))
                .map(|day_before| tz.offset_from_utc_datetime(&day_before).fix())
                .unwrap_or_else(|| Utc.fix());
            let us = wall.saturating_sub(offset_micros(before));
            (us, us)
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{MappedLocalTime, NaiveDate};

    use super::*;

    /// A zone at UTC+1 that springs forward to UTC+2 at 2024-03-31 01:00 UTC (02:00 →
    /// 03:00 local) and falls back at 2024-10-27 01:00 UTC (03:00 → 02:00 local), like
    /// Central Europe.
    #[derive(Debug, Clone, Copy)]
    struct Cet;

    fn transition(month: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2024, month, if month == 3 { 31 } else { 27 })
            .and_then(|d| d.and_hms_opt(1, 0, 0))
            .unwrap()
    }

    fn east(hours: i32) -> FixedOffset {
        FixedOffset::east_opt(hours * 3600).unwrap()
    }

    impl TimeZone for Cet {
        type Offset = FixedOffset;

        fn from_offset(_: &FixedOffset) -> Self {
            Cet
        }

        fn offset_from_local_date(&self, _: &NaiveDate) -> MappedLocalTime<FixedOffset> {
            MappedLocalTime::None
        }

        fn offset_from_local_datetime(
            &self,
            local: &NaiveDateTime,
        ) -> MappedLocalTime<FixedOffset> {
            let candidates: Vec<FixedOffset> = [east(1), east(2)]
                .into_iter()
                .filter(|offset| {
                    let utc = *local - TimeDelta::seconds(i64::from(offset.local_minus_utc()));
                    self.offset_from_utc_datetime(&utc) == *offset
                })
                .collect();
            match candidates.as_slice() {
                [one] => MappedLocalTime::Single(*one),
                [a, b] => MappedLocalTime::Ambiguous(*a, *b),
                _ => MappedLocalTime::None,
            }
        }

        fn offset_from_utc_date(&self, _: &NaiveDate) -> FixedOffset {
            east(1)
        }

        fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> FixedOffset {
            if *utc >= transition(3) && *utc < transition(10) {
                east(2)
            } else {
                east(1)
            }
        }
    }

    fn local(month: u32, day: u32, h: u32, m: u32) -> i64 {
        wall(
            NaiveDate::from_ymd_opt(2024, month, day)
                .and_then(|d| d.and_hms_opt(h, m, 0))
                .unwrap(),
        )
    }

    fn utc(month: u32, day: u32, h: u32, m: u32) -> i64 {
        local(month, day, h, m)
    }

    #[test]
    fn a_gap_moves_forward_by_its_length() {
        // 02:30 does not exist on 2024-03-31: it becomes 03:30 CEST = 01:30 UTC.
        assert_eq!(
            utc_in(&Cet, local(3, 31, 2, 30)),
            (utc(3, 31, 1, 30), utc(3, 31, 1, 30))
        );
        assert_eq!(wall_in(&Cet, utc(3, 31, 1, 30)), local(3, 31, 3, 30));
    }

    #[test]
    fn an_ambiguous_time_is_the_earlier_instant() {
        // 02:30 happens twice on 2024-10-27: 00:30 UTC (CEST) and 01:30 UTC (CET).
        assert_eq!(
            utc_in(&Cet, local(10, 27, 2, 30)),
            (utc(10, 27, 0, 30), utc(10, 27, 1, 30))
        );
    }

    #[test]
    fn ordinary_times_convert_both_ways() {
        let summer = local(7, 1, 12, 0);
        let (us, _) = utc_in(&Cet, summer);
        assert_eq!(us, utc(7, 1, 10, 0));
        assert_eq!(wall_in(&Cet, us), summer);
    }

    #[test]
    fn fixed_zones_shift_by_their_offset() {
        let zone = Zone::Fixed(east(2));
        assert_eq!(zone.wall_of(utc(1, 1, 10, 0)), local(1, 1, 12, 0));
        assert_eq!(zone.utc_of(local(1, 1, 12, 0)), utc(1, 1, 10, 0));
        let t = instant(utc(1, 1, 10, 0));
        assert_eq!(zone.from_local(zone.to_local(t)), t);
    }

    #[test]
    fn next_edges_are_after_now() {
        assert_eq!(Zone::Utc.utc_after(5, 4), 5);
        assert_eq!(Zone::Utc.utc_after(5, 5), 6);
    }
}
