//! Daylight saving and far-from-UTC zones, at their edges, with named zones (no `TZ`).
//!
//! 2024 changes used here (all at the stated UTC instants):
//! * Europe/Helsinki: 03-31 01:00Z clocks jump 03:00 EET → 04:00 EEST (03:xx does not
//!   exist); 10-27 01:00Z clocks go back 04:00 EEST → 03:00 EET (03:xx happens twice,
//!   04:00 once, at 02:00Z).
//! * Europe/Berlin: 10-27 01:00Z, 03:00 CEST → 02:00 CET (02:xx twice, 03:00 at 02:00Z).
//! * America/New_York: 03-10 07:00Z, 02:00 EST → 03:00 EDT (02:xx does not exist);
//!   11-03 06:00Z, 02:00 EDT → 01:00 EST (01:xx twice, 02:00 once, at 07:00Z).
//! * Pacific/Kiritimati: UTC+14 all year; its midnight is 10:00Z.
//!
//! * Pacific/Auckland: UTC+13 in January; 2024-09-29 14:00Z (28th) clocks jump
//!   02:00 → 03:00 NZDT.
//!
//! The rules are written in `docs/time-zones.md`.

mod cron;
mod far;
mod helsinki;
mod new_york;
mod next_change;

use chrono::{DateTime, TimeZone, Utc};
use redengine_conditions::{parse, Action, Condition, Context, History, NextChange, Zone};

pub(crate) fn zone(name: &str) -> Zone {
    Zone::from_name(name).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn utc(mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, mo, d, h, mi, 0).unwrap()
}

pub(crate) fn cond(text: &str) -> Condition {
    parse(text).unwrap_or_else(|e| panic!("{e}"))
}

/// The value of `text` for a task that never ran.
pub(crate) fn holds(text: &str, zone: Zone, now: DateTime<Utc>) -> bool {
    let history = History::new();
    let ctx = Context::new(now, zone, &history).with_owner("t");
    cond(text).evaluate(&ctx).unwrap_or_else(|e| panic!("{e}"))
}

/// Asserts a truth table: `(UTC month, day, hour, minute, expected)`.
pub(crate) fn table(text: &str, zone: Zone, rows: &[(u32, u32, u32, u32, bool)]) {
    for &(mo, d, h, mi, expected) in rows {
        let now = utc(mo, d, h, mi);
        assert_eq!(
            holds(text, zone, now),
            expected,
            "`{text}` in {zone} at {now} ({})",
            zone.with_offset(now)
        );
    }
}

/// A virtual scheduler: from `from` to `to`, run the task (instantly) whenever the
/// condition holds, and sleep until `next_change` says. Returns the run instants.
pub(crate) fn runs(
    text: &str,
    zone: Zone,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let cond = cond(text);
    let mut history = History::new();
    let mut now = from;
    let mut out = Vec::new();
    while now < to {
        let ctx = Context::new(now, zone, &history).with_owner("t");
        if cond.evaluate(&ctx).unwrap_or_else(|e| panic!("{e}")) {
            out.push(now);
            history.push("t", Action::Run, now);
            history.push("t", Action::Success, now);
            assert!(out.len() < 1000, "`{text}` runs without end at {now}");
            continue;
        }
        match cond.next_change(&ctx) {
            NextChange::At(at) => now = at,
            NextChange::NextCycle => now += chrono::TimeDelta::seconds(1),
            NextChange::OnEvent => break,
        }
    }
    out
}

/// Asserts that `next_change` never skips a change of value: checked minute by minute
/// (and second by second near the answers) across `[from, to)` for a task that ran at
/// `ran` (if any).
pub(crate) fn never_skips(
    text: &str,
    zone: Zone,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    ran: Option<DateTime<Utc>>,
) {
    let cond = cond(text);
    let mut history = History::new();
    if let Some(ran) = ran {
        history.push("t", Action::Run, ran);
        history.push("t", Action::Success, ran);
    }
    let value = |now| {
        let ctx = Context::new(now, zone, &history).with_owner("t");
        cond.evaluate(&ctx).unwrap_or_else(|e| panic!("{e}"))
    };
    let minute = chrono::TimeDelta::minutes(1);
    let mut now = from;
    while now < to {
        let ctx = Context::new(now, zone, &history).with_owner("t");
        if let NextChange::At(at) = cond.next_change(&ctx) {
            assert!(at > now);
            let here = value(now);
            let mut t = now + minute;
            while t < at && t < to {
                assert_eq!(
                    value(t),
                    here,
                    "`{text}` in {zone}: next_change at {now} said {at}, but the value changed by {t}"
                );
                t += minute;
            }
        }
        now += minute;
    }
}

pub(crate) fn runs_len(text: &str, zone: Zone, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
    runs(text, zone, from, to).len()
}
