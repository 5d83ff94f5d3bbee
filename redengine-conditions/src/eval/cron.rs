//! `cron [S] M H DOM MON DOW`: once per matching wall-clock minute (second, in the
//! six-field form), start-based.

use crate::ast::CronSchedule;
use crate::history::Action;
use crate::zone::Zone;

use super::period::{civil_from_days, DAY, MINUTE, SECOND};
use super::Context;

/// How far ahead to look for the next matching minute: a schedule on February 29 may
/// wait eight years (2096 → 2104); one that never matches (`0 0 30 2 *`) gives up here.
const HORIZON_DAYS: i64 = 9 * 366;

/// Whether the wall-clock day `days` (since 1970-01-01) matches the month and day fields,
/// with the standard "either day field" rule when both are restricted.
fn day_matches(schedule: &CronSchedule, days: i64) -> bool {
    let (_, month, day) = civil_from_days(days);
    if schedule.months & (1 << month) == 0 {
        return false;
    }
    // 1970-01-01 was a Thursday (4, with Sunday = 0).
    let weekday = (days + 4).rem_euclid(7);
    let dom = schedule.days_of_month & (1 << day) != 0;
    let dow = schedule.days_of_week & (1 << weekday) != 0;
    match (schedule.any_day_of_month, schedule.any_day_of_week) {
        (true, true) => true,
        (true, false) => dow,
        (false, true) => dom,
        (false, false) => dom || dow,
    }
}

/// How long one firing lasts: the matching minute, or the matching second when the
/// schedule has a seconds field.
pub(super) fn unit(schedule: &CronSchedule) -> i64 {
    if schedule.seconds.is_some() {
        SECOND
    } else {
        MINUTE
    }
}

/// Whether the wall-clock minute (second) containing `wall` matches the schedule.
pub(super) fn matches(schedule: &CronSchedule, wall: i64) -> bool {
    let in_day = wall.rem_euclid(DAY) / MINUTE;
    let (hour, minute) = (in_day / 60, in_day % 60);
    let second = wall.rem_euclid(MINUTE) / SECOND;
    schedule.hours & (1 << hour) != 0
        && schedule.minutes & (1 << minute) != 0
        && schedule.seconds.is_none_or(|s| s & (1 << second) != 0)
        && day_matches(schedule, wall.div_euclid(DAY))
}

/// Whether the hour field is `*` (every hour matches). Such a schedule follows the clock
/// as it runs and fires in both readings of a repeated hour, like `hourly`; one that names
/// its hours fires at the first reading only, so a daily job runs once (as with cron).
fn every_hour(schedule: &CronSchedule) -> bool {
    schedule.hours & 0xff_ffff == 0xff_ffff
}

/// The start (instant, µs) of the matching minute containing now, if now is in one.
///
/// A minute matches when its wall time does (at its first reading, or at any when every
/// hour matches), or when it is where a matching wall time skipped by a spring-forward gap
/// was moved: a gap moves wall times forward by its length, so `30 3 * * *` fires once at
/// 04:30 on a day whose clocks jump from 03:00 to 04:00.
pub(super) fn current_minute(schedule: &CronSchedule, ctx: &Context<'_>) -> Option<i64> {
    // Measured back from now in absolute time, so the minute is the one just lived even
    // when the wall clock repeats an hour.
    let unit = unit(schedule);
    let wall = ctx.wall - ctx.wall.rem_euclid(unit);
    let start = ctx.now - ctx.wall.rem_euclid(unit);
    let zone = ctx.zone;
    let first_reading = zone.utc_of(wall) == start;
    if matches(schedule, wall) && (first_reading || every_hour(schedule)) {
        return Some(start);
    }
    // The clock moved forward within the last day by `gap`: the wall time `gap` earlier
    // did not exist, and was moved here.
    let gap = (ctx.wall - ctx.now) - (zone.wall_of(start - DAY) - (start - DAY));
    let skipped = wall - gap;
    (gap > 0
        && zone.wall_of(zone.utc_of(skipped)) != skipped
        && zone.utc_of(skipped) == start
        && matches(schedule, skipped))
    .then_some(start)
}

/// The first instant after `now` at which a matching minute starts, for `next_change`.
///
/// Wall order and instant order differ around a change, so the search walks the stretches
/// of constant offset one after another: inside one, wall time and instant move together.
/// A stretch that begins after a spring-forward gap first gets the skipped wall times
/// (moved forward by the gap); a stretch after a fall-back change skips the second
/// readings unless every hour matches.
pub(super) fn next_fire(schedule: &CronSchedule, ctx: &Context<'_>) -> Option<i64> {
    let zone = ctx.zone;
    let unit = unit(schedule);
    let mut start = ctx.now - ctx.wall.rem_euclid(unit) + unit;
    // A stretch lasts months in every real zone: the horizon of `next_match` (nine
    // years) holds fewer than 32 of them.
    for _ in 0..32 {
        let offset = zone.wall_of(start) - start;
        let wall = start + offset;
        // If the clock jumped forward within the last day, the wall times it skipped land
        // at `skipped - before` (moved forward by the gap); those still ahead come first.
        let before = zone.wall_of(start - DAY) - (start - DAY);
        let moved = (offset > before)
            .then(|| next_match(schedule, start + before))
            .flatten()
            .filter(|&skipped| zone.wall_of(zone.utc_of(skipped)) != skipped)
            .map(|skipped| skipped - before);
        let mut native = None;
        let mut candidate = next_match(schedule, wall);
        // Second readings are skipped one by one: at most two hours of seconds (the
        // longest fold any zone has had).
        for _ in 0..=2 * 3600 {
            let Some(w) = candidate else { break };
            let at = w - offset;
            if moved.is_some_and(|m| at >= m) {
                break;
            }
            // The second reading of a repeated time. (A candidate beyond this stretch
            // has a meaningless `at` here; the transition check below moves on to the
            // stretch it lies in.)
            let (earlier, later) = zone.readings(w);
            let second_reading = earlier < later && later == at;
            if every_hour(schedule) || !second_reading {
                native = Some(at);
                break;
            }
            candidate = next_match(schedule, w + unit);
        }
        let found = match (moved, native) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return None,
        };
        match next_transition(zone, start, found) {
            None => return Some(found),
            Some(change) => start = change,
        }
    }
    None
}

/// The first instant in `(from, to]` at which the zone's offset differs from the one at
/// `from`, if any: probed a week at a time (a zone's changes are at least weeks apart),
/// then bisected.
fn next_transition(zone: Zone, from: i64, to: i64) -> Option<i64> {
    if matches!(zone, Zone::Utc | Zone::Fixed(_)) {
        return None;
    }
    let offset = |t: i64| zone.wall_of(t) - t;
    let before = offset(from);
    let mut low = from;
    while low < to {
        let high = low.saturating_add(7 * DAY).min(to);
        if offset(high) != before {
            let (mut low, mut high) = (low, high);
            while high - low > 1 {
                let mid = low + (high - low) / 2;
                if offset(mid) == before {
                    low = mid;
                } else {
                    high = mid;
                }
            }
            return Some(high);
        }
        low = high;
    }
    None
}

/// `cron(T, now)`: now is in a matching minute (second) starting at `F` and the owner has
/// not started within `[F, now]`.
pub(super) fn executable(schedule: &CronSchedule, ctx: &Context<'_>, owner: &str) -> bool {
    current_minute(schedule, ctx)
        .is_some_and(|start| !ctx.history().any_in(owner, &[Action::Run], start, ctx.now))
}

/// The first matching minute (second, in the six-field form; wall value of its start) at
/// or after the wall value `from`, within the horizon.
pub(super) fn next_match(schedule: &CronSchedule, from: i64) -> Option<i64> {
    let Some(seconds) = schedule.seconds else {
        return next_minute(schedule, from);
    };
    let this_minute = from - from.rem_euclid(MINUTE);
    let mut minute = next_minute(schedule, this_minute)?;
    // Two rounds at most: a later matching minute's first matching second matches.
    for _ in 0..2 {
        let first = if minute == this_minute {
            (from - minute + SECOND - 1) / SECOND
        } else {
            0
        };
        if first < 60 {
            let later = seconds >> first;
            if later != 0 {
                return Some(minute + (first + i64::from(later.trailing_zeros())) * SECOND);
            }
        }
        minute = next_minute(schedule, minute + MINUTE)?;
    }
    None
}

/// The first minute matching the minute and larger fields (wall value of its start) at
/// or after the wall value `from`, within the horizon.
fn next_minute(schedule: &CronSchedule, from: i64) -> Option<i64> {
    let mut day = from.div_euclid(DAY);
    let mut first_minute = (from.rem_euclid(DAY) + MINUTE - 1) / MINUTE;
    for _ in 0..HORIZON_DAYS {
        if first_minute < 24 * 60 && day_matches(schedule, day) {
            for hour in first_minute / 60..24 {
                if schedule.hours & (1 << hour) == 0 {
                    continue;
                }
                let from_minute = if hour == first_minute / 60 {
                    first_minute % 60
                } else {
                    0
                };
                let later = schedule.minutes >> from_minute;
                if later != 0 {
                    let minute = from_minute + i64::from(later.trailing_zeros());
                    return Some(day * DAY + (hour * 60 + minute) * MINUTE);
                }
            }
        }
        day += 1;
        first_minute = 0;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::period::days_from_civil;

    fn every_day(minutes: u64, hours: u32) -> CronSchedule {
        CronSchedule {
            seconds: None,
            minutes,
            hours,
            days_of_month: !1,
            months: 0b1_1111_1111_1110,
            days_of_week: 0x7f,
            any_day_of_month: true,
            any_day_of_week: true,
            text: String::new(),
        }
    }

    #[test]
    fn next_match_rounds_up_to_a_minute() {
        let day = days_from_civil(2024, 1, 1) * DAY;
        let schedule = every_day(1 << 30, 1 << 8);
        assert_eq!(
            next_match(&schedule, day),
            Some(day + 8 * 60 * MINUTE + 30 * MINUTE)
        );
        let after = day + 8 * 60 * MINUTE + 30 * MINUTE + 1;
        assert_eq!(next_match(&schedule, after), Some(after - 1 + DAY));
    }

    #[test]
    fn impossible_dates_never_match() {
        let mut schedule = every_day(1, 1);
        schedule.days_of_month = 1 << 30;
        schedule.months = 1 << 2;
        schedule.any_day_of_month = false;
        assert_eq!(next_match(&schedule, 0), None);
    }
}
