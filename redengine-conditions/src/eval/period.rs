//! Periods on the wall clock: scope instances, occurrences and the current occurrence
//! window `W(P, now)`.
//!
//! Occurrences are built on wall-clock microseconds (µs since the naive 1970-01-01 00:00)
//! and their edges converted to instants through the [`Zone`], so every comparison with
//! `now` and with log records happens between instants.

use chrono::FixedOffset;

use crate::ast::{Anchor, Period, Scope, Window};
use crate::zone::Zone;

/// One second in microseconds.
pub(crate) const SECOND: i64 = 1_000_000;
/// One minute in microseconds.
pub(crate) const MINUTE: i64 = 60 * SECOND;
/// One hour in microseconds.
pub(crate) const HOUR: i64 = 60 * MINUTE;
/// One day in microseconds.
pub(crate) const DAY: i64 = 24 * HOUR;
/// One week in microseconds.
const WEEK: i64 = 7 * DAY;

/// How many scope instances to look back or ahead for an occurrence. A clamped month
/// window can skip a month (`monthly between 30th 18:00 and 31st 06:00` has none in
/// February or April), never two in a row, so four is a safe bound.
const SEARCH: usize = 4;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day number since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both values are small by construction (1–31 and 1–12).
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The number of days in a month.
pub(crate) fn month_len(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Monday = 0 … Sunday = 6 of a wall value.
pub(crate) fn weekday_from_monday(wall: i64) -> i64 {
    (wall.div_euclid(DAY) + 3).rem_euclid(7)
}

/// The start of the scope instance containing `wall`.
pub(crate) fn instance_start(scope: Scope, wall: i64) -> i64 {
    let floor = |unit: i64| wall - wall.rem_euclid(unit);
    match scope {
        Scope::Second => floor(SECOND),
        Scope::Minute => floor(MINUTE),
        Scope::Hour => floor(HOUR),
        Scope::Day => floor(DAY),
        Scope::Week => floor(DAY) - weekday_from_monday(wall) * DAY,
        Scope::Month => {
            let (year, month, _) = civil_from_days(wall.div_euclid(DAY));
            days_from_civil(year, month, 1) * DAY
        }
    }
}

/// The start of the scope instance `steps` instances after (or before) the one at `start`.
pub(crate) fn shift_instance(scope: Scope, start: i64, steps: i64) -> i64 {
    let fixed = |unit: i64| start.saturating_add(unit.saturating_mul(steps));
    match scope {
        Scope::Second => fixed(SECOND),
        Scope::Minute => fixed(MINUTE),
        Scope::Hour => fixed(HOUR),
        Scope::Day => fixed(DAY),
        Scope::Week => fixed(WEEK),
        Scope::Month => {
            let (year, month, _) = civil_from_days(start.div_euclid(DAY));
            let index = year * 12 + i64::from(month) - 1 + steps;
            // rem_euclid(12) is 0–11, so the month fits in u32.
            let month = (index.rem_euclid(12) + 1) as u32;
            days_from_civil(index.div_euclid(12), month, 1) * DAY
        }
    }
}

/// The length of a `Scope`'s sub-unit, the length of an `on A` window.
fn sub_unit(scope: Scope) -> i64 {
    match scope {
        Scope::Second => SECOND,
        Scope::Minute => SECOND,
        Scope::Hour => MINUTE,
        Scope::Day => HOUR,
        Scope::Week | Scope::Month => DAY,
    }
}

/// Which end of a window an anchor sits on: it decides what a day without a time and
/// `24:00` mean.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Start,
    End,
}

/// The time of day an anchor's optional time stands for on its side.
fn time_of_day(time: Option<u64>, side: Side) -> i64 {
    let last = DAY - 1;
    match (time, side) {
        (None, Side::Start) => 0,
        (None, Side::End) => last,
        (Some(t), Side::Start) => i64::try_from(t).unwrap_or(last).min(last),
        (Some(t), Side::End) => i64::try_from(t).unwrap_or(last).min(last),
    }
}

/// The anchor's offset as written, before month clamping: decides whether a `between`
/// window wraps.
fn written_offset(anchor: Anchor, side: Side) -> i64 {
    match anchor {
        Anchor::Offset(us) => {
            let us = i64::try_from(us).unwrap_or(i64::MAX);
            if side == Side::End && us >= DAY {
                DAY - 1
            } else {
                us
            }
        }
        Anchor::Weekday { day, time } => {
            i64::from(day.num_days_from_monday()) * DAY + time_of_day(time, side)
        }
        Anchor::MonthDay { day, time } => {
            (i64::from(day.max(1)) - 1) * DAY + time_of_day(time, side)
        }
    }
}

/// The wall value of `anchor` in the scope instance starting at `inst`, with the day of
/// month clamped to the month's length.
fn resolve(scope: Scope, anchor: Anchor, side: Side, inst: i64) -> i64 {
    match anchor {
        Anchor::Offset(us) => {
            let length = shift_instance(scope, inst, 1) - inst;
            let us = i64::try_from(us).unwrap_or(i64::MAX);
            let us = if side == Side::End && us >= length {
                length - 1
            } else {
                us
            };
            inst.saturating_add(us)
        }
        Anchor::Weekday { .. } => inst + written_offset(anchor, side),
        Anchor::MonthDay { day, time } => {
            let (year, month, _) = civil_from_days(inst.div_euclid(DAY));
            let day = u32::from(day).clamp(1, month_len(year, month));
            inst + i64::from(day - 1) * DAY + time_of_day(time, side)
        }
    }
}

/// An occurrence of a period as instants (µs since the UTC epoch), both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Occurrence {
    /// The first instant in the occurrence.
    pub(crate) start: i64,
    /// The last instant in the occurrence.
    pub(crate) end: i64,
}

/// The occurrence of `period` belonging to the scope instance at `inst` (wall), if that
/// instance has one (a clamped month window may not).
fn occurrence(period: &Period, zone: Zone, inst: i64) -> Option<Occurrence> {
    let scope = period.scope;
    let next = || shift_instance(scope, inst, 1);
    // (start wall, end wall, whether the end is exclusive)
    let (start, end, exclusive) = match period.window {
        Window::Whole => (inst, next(), true),
        Window::After(a) => (resolve(scope, a, Side::Start, inst), next(), true),
        Window::Before(b) => (inst, resolve(scope, b, Side::End, inst), false),
        Window::On(a) => {
            let start = resolve(scope, a, Side::Start, inst);
            (start, start.saturating_add(sub_unit(scope)), true)
        }
        Window::Starting(a) => full_cycle(scope, a, inst),
        Window::Between(a, b) => {
            let (s, e) = (written_offset(a, Side::Start), written_offset(b, Side::End));
            if s < e {
                let start = resolve(scope, a, Side::Start, inst);
                let end = resolve(scope, b, Side::End, inst);
                if end < start {
                    return None;
                }
                (start, end, false)
            } else if s > e {
                let end = resolve(scope, b, Side::End, next());
                (resolve(scope, a, Side::Start, inst), end, false)
            } else {
                full_cycle(scope, a, inst)
            }
        }
    };
    let start = zone.utc_of(start);
    let end = if exclusive {
        zone.utc_of(end).saturating_sub(1)
    } else {
        zone.utc_of(end)
    };
    Some(Occurrence { start, end })
}

/// `starting A` (and `between A and A`): from one `A` to just before the next.
fn full_cycle(scope: Scope, anchor: Anchor, inst: i64) -> (i64, i64, bool) {
    let next = shift_instance(scope, inst, 1);
    (
        resolve(scope, anchor, Side::Start, inst),
        resolve(scope, anchor, Side::Start, next),
        true,
    )
}

/// Where `now` stands relative to a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Located {
    /// The latest occurrence starting at or before now (`L` and its end), if any.
    pub(crate) latest: Option<Occurrence>,
    /// Whether now lies in some occurrence (`now ∈ P`).
    pub(crate) inside: bool,
}

impl Located {
    /// The current occurrence window `W(P, now)`: `[L, now]` while now is in
    /// the occurrence starting at `L`, else that whole (completed) occurrence.
    pub(crate) fn window(&self, now: i64) -> Option<(i64, i64)> {
        self.latest
            .map(|occ| (occ.start, if occ.end >= now { now } else { occ.end }))
    }
}

/// The zone a period's occurrences are built in. Hours, minutes and seconds follow the
/// clock as it runs: they are counted with the offset in force at `now`, so the hour
/// repeated when clocks go back is an hour of its own (`hourly` runs 25 times on a
/// 25-hour day) and the hour skipped in spring is simply absent (23 runs). Days, weeks
/// and months are calendar periods of the zone, whose edges and anchors go through the
/// gap and fold rules.
fn clock_of(scope: Scope, zone: Zone, wall: i64, now: i64) -> Zone {
    let sub_day = matches!(scope, Scope::Second | Scope::Minute | Scope::Hour);
    let offset = i32::try_from((wall - now) / SECOND)
        .ok()
        .and_then(FixedOffset::east_opt);
    match offset {
        Some(offset) if sub_day => Zone::Fixed(offset),
        _ => zone,
    }
}

/// Finds the latest occurrence of `period` starting at or before `now` and whether `now`
/// is in the period. `wall` is `now` on the zone's wall clock.
pub(crate) fn locate(period: &Period, zone: Zone, wall: i64, now: i64) -> Located {
    let zone = clock_of(period.scope, zone, wall, now);
    let mut inst = instance_start(period.scope, wall);
    let mut latest = None;
    // After the latest occurrence, look one further back: a wrapped or `on` window of the
    // previous instance may still contain now (only possible with clamped months).
    for _ in 0..SEARCH + 1 {
        if let Some(occ) = occurrence(period, zone, inst) {
            if occ.start <= now {
                match latest {
                    None => {
                        if occ.end >= now {
                            return Located {
                                latest: Some(occ),
                                inside: true,
                            };
                        }
                        latest = Some(occ);
                    }
                    Some(_) => {
                        return Located {
                            latest,
                            inside: occ.end >= now,
                        }
                    }
                }
            }
        }
        inst = shift_instance(period.scope, inst, -1);
    }
    Located {
        latest,
        inside: false,
    }
}

/// The earliest occurrence of `period` starting strictly after `now`.
pub(crate) fn next_occurrence(
    period: &Period,
    zone: Zone,
    wall: i64,
    now: i64,
) -> Option<Occurrence> {
    let zone = clock_of(period.scope, zone, wall, now);
    let mut inst = instance_start(period.scope, wall);
    for _ in 0..SEARCH + 1 {
        if let Some(occ) = occurrence(period, zone, inst) {
            if occ.start > now {
                return Some(occ);
            }
        }
        inst = shift_instance(period.scope, inst, 1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips() {
        for days in [-800_000, -1, 0, 59, 60, 19_782, 19_783, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(
            days_from_civil(2024, 2, 29) + 1,
            days_from_civil(2024, 3, 1)
        );
        assert_eq!(month_len(2024, 2), 29);
        assert_eq!(month_len(2100, 2), 28);
        assert_eq!(month_len(2000, 2), 29);
    }

    #[test]
    fn weeks_start_on_monday() {
        let monday = days_from_civil(2024, 1, 1) * DAY;
        assert_eq!(weekday_from_monday(monday), 0);
        assert_eq!(instance_start(Scope::Week, monday + 6 * DAY + 5), monday);
        assert_eq!(instance_start(Scope::Week, monday - 1), monday - WEEK);
    }

    #[test]
    fn months_shift_across_years() {
        let jan = days_from_civil(2024, 1, 1) * DAY;
        assert_eq!(
            shift_instance(Scope::Month, jan, -1),
            days_from_civil(2023, 12, 1) * DAY
        );
        assert_eq!(
            shift_instance(Scope::Month, jan, 13),
            days_from_civil(2025, 2, 1) * DAY
        );
    }

    /// Daylight saving in Europe/Berlin: 2024-03-31 02:00 → 03:00 and 2024-10-27
    /// 03:00 → 02:00.
    #[cfg(feature = "tz")]
    #[test]
    fn daylight_saving_moves_gaps_forward_and_takes_the_earlier_reading() {
        let zone = Zone::Named(chrono_tz::Europe::Berlin);
        let utc = |y, mo, d, h, mi| days_from_civil(y, mo, d) * DAY + h * HOUR + mi * MINUTE;
        let wall_of = |y, mo, d, h, mi| utc(y, mo, d, h, mi);
        let between = |a: i64, b: i64| Period {
            scope: Scope::Day,
            window: Window::Between(Anchor::Offset(a as u64), Anchor::Offset(b as u64)),
        };
        // Spring: 02:30 does not exist; the window starts at 03:30 CEST = 01:30 UTC.
        let period = between(2 * HOUR + 30 * MINUTE, 4 * HOUR);
        let at = |now: i64| locate(&period, zone, zone.wall_of(now), now);
        assert!(!at(utc(2024, 3, 31, 1, 15)).inside);
        assert!(at(utc(2024, 3, 31, 1, 30)).inside);
        assert_eq!(
            zone.wall_of(utc(2024, 3, 31, 1, 30)),
            wall_of(2024, 3, 31, 3, 30)
        );
        let now = utc(2024, 3, 31, 0, 0);
        let next = next_occurrence(&period, zone, zone.wall_of(now), now).map(|o| o.start);
        assert_eq!(next, Some(utc(2024, 3, 31, 1, 30)));
        // Autumn: 02:30 happens twice; the window opens at the first (00:30 UTC).
        let period = Period {
            scope: Scope::Day,
            window: Window::After(Anchor::Offset((2 * HOUR + 30 * MINUTE) as u64)),
        };
        let at = |now: i64| locate(&period, zone, zone.wall_of(now), now);
        assert!(!at(utc(2024, 10, 27, 0, 29)).inside);
        assert!(at(utc(2024, 10, 27, 0, 30)).inside);
        // The 25-hour day: 00:00 CEST (22:00 UTC the day before) to 00:00 CET (23:00 UTC).
        let day = Period {
            scope: Scope::Day,
            window: Window::Whole,
        };
        let now = utc(2024, 10, 27, 22, 30);
        let located = locate(&day, zone, zone.wall_of(now), now);
        assert_eq!(located.window(now), Some((utc(2024, 10, 26, 22, 0), now)));
        assert_eq!(
            located.latest.map(|o| o.end),
            Some(utc(2024, 10, 27, 23, 0) - 1)
        );
    }
}
