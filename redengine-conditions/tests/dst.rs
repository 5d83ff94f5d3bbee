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
//! The rules are written in `docs/time-zones.md`.

use chrono::{DateTime, TimeZone, Utc};
use redengine_conditions::{parse, Action, Condition, Context, History, NextChange, Zone};

fn zone(name: &str) -> Zone {
    Zone::from_name(name).unwrap_or_else(|e| panic!("{e}"))
}

fn utc(mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, mo, d, h, mi, 0).unwrap()
}

fn cond(text: &str) -> Condition {
    parse(text).unwrap_or_else(|e| panic!("{e}"))
}

/// The value of `text` for a task that never ran.
fn holds(text: &str, zone: Zone, now: DateTime<Utc>) -> bool {
    let history = History::new();
    let ctx = Context::new(now, zone, &history).with_owner("t");
    cond(text).evaluate(&ctx).unwrap_or_else(|e| panic!("{e}"))
}

/// Asserts a truth table: `(UTC month, day, hour, minute, expected)`.
fn table(text: &str, zone: Zone, rows: &[(u32, u32, u32, u32, bool)]) {
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
fn runs(text: &str, zone: Zone, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
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
fn never_skips(
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

// ------------------------------------------------------------------ Helsinki, fall back

#[test]
fn helsinki_fall_back_window_after_the_repeated_hour() {
    let hki = zone("Europe/Helsinki");
    // 04:00 exists once, at 02:00Z: the window is 02:00Z–02:30Z, never the repeated 03:xx.
    table(
        "time of day between 04:00 and 04:30",
        hki,
        &[
            (10, 27, 0, 59, false), // 03:59 EEST
            (10, 27, 1, 0, false),  // 03:00 EET, the second 03:00
            (10, 27, 1, 59, false), // 03:59 EET
            (10, 27, 2, 0, true),   // 04:00 EET
            (10, 27, 2, 30, true),  // 04:30 EET
            (10, 27, 2, 31, false),
        ],
    );
    assert_eq!(
        runs(
            "daily between 04:00 and 04:30",
            hki,
            utc(10, 26, 21, 0),
            utc(10, 27, 22, 0)
        ),
        [utc(10, 27, 2, 0)]
    );
    // Windows later in the day were never wrong; keep them right.
    assert_eq!(
        runs(
            "daily between 04:15 and 05:00",
            hki,
            utc(10, 26, 21, 0),
            utc(10, 27, 22, 0)
        ),
        [utc(10, 27, 2, 15)]
    );
}

#[test]
fn helsinki_fall_back_window_inside_the_repeated_hour_is_its_first_reading() {
    let hki = zone("Europe/Helsinki");
    table(
        "time of day between 03:00 and 03:30",
        hki,
        &[
            (10, 26, 23, 59, false), // 02:59 EEST
            (10, 27, 0, 0, true),    // 03:00 EEST
            (10, 27, 0, 30, true),
            (10, 27, 0, 31, false),
            (10, 27, 1, 0, false), // 03:00 EET: the second reading does not reopen it
            (10, 27, 1, 15, false),
        ],
    );
    assert_eq!(
        runs(
            "daily between 03:00 and 03:30",
            hki,
            utc(10, 26, 21, 0),
            utc(10, 27, 22, 0)
        ),
        [utc(10, 27, 0, 0)]
    );
    // Positions in the hour repeat with the hour.
    table(
        "time of hour before 30:00",
        hki,
        &[
            (10, 27, 0, 10, true),
            (10, 27, 0, 40, false),
            (10, 27, 1, 10, true),
            (10, 27, 1, 40, false),
        ],
    );
}

#[test]
fn berlin_maintenance_window_opens_at_three_cet_not_two() {
    let ber = zone("Europe/Berlin");
    table(
        "time of day between 03:00 and 03:30",
        ber,
        &[
            (10, 27, 0, 59, false), // 02:59 CEST
            (10, 27, 1, 0, false),  // 02:00 CET
            (10, 27, 2, 0, true),   // 03:00 CET
            (10, 27, 2, 31, false),
        ],
    );
    assert_eq!(
        runs(
            "daily between 03:00 and 03:30",
            ber,
            utc(10, 26, 22, 0),
            utc(10, 27, 23, 0)
        ),
        [utc(10, 27, 2, 0)]
    );
}

#[test]
fn hourly_runs_25_times_on_the_25_hour_day() {
    let hki = zone("Europe/Helsinki");
    // Local midnight to midnight: 21:00Z to 22:00Z the next day, 25 hours.
    let runs = runs("hourly", hki, utc(10, 26, 21, 0), utc(10, 27, 22, 0));
    assert_eq!(runs.len(), 25, "{runs:?}");
    assert!(runs.contains(&utc(10, 27, 1, 0)) && runs.contains(&utc(10, 27, 2, 0)));
    // After the run at 01:00Z (the second 03:00) the next hour starts at 02:00Z.
    let mut history = History::new();
    history.push("t", Action::Run, utc(10, 27, 1, 0));
    history.push("t", Action::Success, utc(10, 27, 1, 0));
    let ctx = Context::new(utc(10, 27, 1, 0), hki, &history).with_owner("t");
    assert_eq!(
        cond("hourly").next_change(&ctx),
        NextChange::At(utc(10, 27, 2, 0))
    );
    let ctx = Context::new(utc(10, 27, 0, 30), hki, &history).with_owner("t");
    assert_eq!(cond("hourly").evaluate(&ctx).ok(), Some(true));
    assert_eq!(
        cond("minutely")
            .next_change(&Context::new(utc(10, 27, 0, 59), hki, &History::new()).with_owner("t")),
        NextChange::At(utc(10, 27, 0, 59) + chrono::TimeDelta::minutes(1))
    );
    assert_eq!(
        runs_len("minutely", hki, utc(10, 27, 0, 0), utc(10, 27, 2, 0)),
        120
    );
}

fn runs_len(text: &str, zone: Zone, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
    runs(text, zone, from, to).len()
}

// ------------------------------------------------------------------ Helsinki, spring

#[test]
fn helsinki_spring_forward_moves_the_gap_forward() {
    let hki = zone("Europe/Helsinki");
    // 03:15–03:45 does not exist: it becomes 04:15–04:45 EEST (01:15Z–01:45Z).
    table(
        "time of day between 03:15 and 03:45",
        hki,
        &[
            (3, 31, 0, 59, false), // 02:59 EET
            (3, 31, 1, 0, false),  // 04:00 EEST
            (3, 31, 1, 15, true),
            (3, 31, 1, 45, true),
            (3, 31, 1, 46, false),
        ],
    );
    table(
        "time of day between 02:30 and 03:30",
        hki,
        &[
            (3, 31, 0, 29, false),
            (3, 31, 0, 30, true),
            (3, 31, 1, 30, true), // 04:30 EEST: 03:30 moved forward
            (3, 31, 1, 31, false),
        ],
    );
    let day = (utc(3, 30, 22, 0), utc(3, 31, 21, 0)); // 23 hours
    assert_eq!(runs_len("hourly", hki, day.0, day.1), 23);
    assert_eq!(
        runs("daily between 03:00 and 03:30", hki, day.0, day.1),
        [utc(3, 31, 1, 0)]
    );
}

// ------------------------------------------------------------------ cron across changes

#[test]
fn cron_in_the_spring_gap_fires_once_moved_forward() {
    let hki = zone("Europe/Helsinki");
    let day = (utc(3, 30, 22, 0), utc(3, 31, 21, 0));
    // 03:30 does not exist: it fires once, at 04:30 EEST (01:30Z).
    assert_eq!(
        runs("cron 30 3 * * *", hki, day.0, day.1),
        [utc(3, 31, 1, 30)]
    );
    assert_eq!(
        runs("cron 30 3 * * *", hki, utc(3, 31, 21, 0), utc(4, 1, 21, 0)),
        [utc(4, 1, 0, 30)]
    );
    // A real 04:00 after the gap still comes first, and 03:30 and 04:30 land on one minute.
    assert_eq!(
        runs("cron 0,30 3,4 * * *", hki, day.0, day.1),
        [utc(3, 31, 1, 0), utc(3, 31, 1, 30)]
    );
    table(
        "cron 30 3 * * *",
        hki,
        &[
            (3, 31, 0, 30, false),
            (3, 31, 1, 30, true),
            (3, 31, 1, 31, false),
        ],
    );
}

#[test]
fn cron_in_the_fold_fires_once_unless_every_hour_matches() {
    let hki = zone("Europe/Helsinki");
    let day = (utc(10, 26, 21, 0), utc(10, 27, 22, 0));
    // A fixed time in the repeated hour: its first reading only.
    assert_eq!(
        runs("cron 30 3 * * *", hki, day.0, day.1),
        [utc(10, 27, 0, 30)]
    );
    // Every hour: the repeated hour is an hour of its own, as for `hourly`.
    let hourly = runs("cron 30 * * * *", hki, day.0, day.1);
    assert_eq!(hourly.len(), 25, "{hourly:?}");
    assert!(hourly.contains(&utc(10, 27, 1, 30)));
}

#[test]
fn cron_far_ahead_is_found_across_both_changes() {
    // From January, the next 1 January lies beyond a spring and an autumn change; the
    // search must not mistake it for a second reading on the way.
    let hki = zone("Europe/Helsinki");
    let history = History::new();
    let ctx = Context::new(utc(1, 30, 22, 59), hki, &history).with_owner("t");
    let new_year = Utc.with_ymd_and_hms(2024, 12, 31, 22, 0, 0).unwrap();
    for text in ["cron 0 0 * 1 *", "cron 0 0 0 * 1 *", "cron @yearly"] {
        assert_eq!(
            cond(text).next_change(&ctx),
            NextChange::At(new_year),
            "{text}"
        );
    }
}

#[test]
fn new_york_both_changes() {
    let ny = zone("America/New_York");
    let spring = (utc(3, 10, 5, 0), utc(3, 11, 4, 0));
    let fall = (utc(11, 3, 4, 0), utc(11, 4, 5, 0));
    assert_eq!(runs_len("hourly", ny, spring.0, spring.1), 23);
    assert_eq!(runs_len("hourly", ny, fall.0, fall.1), 25);
    // 02:00–02:30 does not exist on 03-10: 03:00–03:30 EDT.
    assert_eq!(
        runs("daily between 02:00 and 02:30", ny, spring.0, spring.1),
        [utc(3, 10, 7, 0)]
    );
    assert_eq!(
        runs("cron 30 2 * * *", ny, spring.0, spring.1),
        [utc(3, 10, 7, 30)]
    );
    // 01:30 happens twice on 11-03: 05:30Z (EDT) counts.
    assert_eq!(
        runs("daily between 01:30 and 01:45", ny, fall.0, fall.1),
        [utc(11, 3, 5, 30)]
    );
    assert_eq!(
        runs("cron 30 1 * * *", ny, fall.0, fall.1),
        [utc(11, 3, 5, 30)]
    );
    table(
        "time of day between 02:00 and 02:30",
        ny,
        &[
            (11, 3, 5, 59, false), // 01:59 EDT
            (11, 3, 6, 0, false),  // 01:00 EST
            (11, 3, 7, 0, true),   // 02:00 EST
            (11, 3, 7, 31, false),
        ],
    );
}

#[test]
fn new_york_spring_truth_table() {
    let ny = zone("America/New_York");
    // 02:00–02:59 does not exist on 2024-03-10: the window moves to 03:00–03:30 EDT.
    table(
        "time of day between 02:00 and 02:30",
        ny,
        &[
            (3, 10, 6, 59, false), // 01:59 EST
            (3, 10, 7, 0, true),   // 03:00 EDT
            (3, 10, 7, 30, true),
            (3, 10, 7, 31, false),
        ],
    );
    table(
        "time of day between 01:30 and 03:15",
        ny,
        &[
            (3, 10, 6, 29, false),
            (3, 10, 6, 30, true), // 01:30 EST
            (3, 10, 7, 15, true), // 03:15 EDT
            (3, 10, 7, 16, false),
        ],
    );
}

#[test]
fn explanations_name_the_offset_of_a_repeated_time() {
    let hki = zone("Europe/Helsinki");
    let mut history = History::new();
    history.push("t", Action::Run, utc(10, 27, 0, 30));
    history.push("t", Action::Success, utc(10, 27, 0, 30));
    let ctx = Context::new(utc(10, 27, 1, 10), hki, &history).with_owner("t");
    let text = cond("has succeeded today").explain(&ctx).to_string();
    assert!(text.contains("03:30 (UTC+03:00)"), "{text}");
    let ctx = Context::new(utc(10, 27, 12, 0), hki, &history).with_owner("t");
    let text = cond("has succeeded today").explain(&ctx).to_string();
    assert!(text.contains("03:30 (UTC+03:00)"), "{text}");
    let ctx = Context::new(utc(10, 28, 12, 0), hki, &history).with_owner("t");
    assert!(!cond("daily").explain(&ctx).to_string().contains("UTC+"));
}

// ------------------------------------------------------------------ far from UTC

#[test]
fn auckland_midnight_and_its_spring_forward() {
    // Pacific/Auckland is UTC+13 in January: local midnight of 2024-01-02 is 11:00Z on
    // 2024-01-01. On 2024-09-29 its clocks jump 02:00 → 03:00 NZDT (14:00Z on the 28th).
    let akl = zone("Pacific/Auckland");
    table(
        "time of day before 00:30",
        akl,
        &[
            (1, 1, 10, 59, false),
            (1, 1, 11, 0, true),
            (1, 1, 11, 30, true),
            (1, 1, 11, 31, false),
        ],
    );
    assert_eq!(
        runs("daily", akl, utc(1, 1, 10, 0), utc(1, 2, 12, 0)),
        [utc(1, 1, 10, 0), utc(1, 1, 11, 0), utc(1, 2, 11, 0)]
    );
    // The day of the change is 23 hours long: 12:00Z to 11:00Z.
    assert_eq!(
        runs_len("hourly", akl, utc(9, 28, 12, 0), utc(9, 29, 11, 0)),
        23
    );
    assert_eq!(
        runs("cron 30 2 * * *", akl, utc(9, 28, 12, 0), utc(9, 29, 11, 0)),
        [utc(9, 28, 14, 30)]
    );
}

#[test]
fn kiritimati_days_start_at_ten_utc() {
    let kir = zone("Pacific/Kiritimati");
    // 2024-12-31 10:00Z is 2025-01-01 00:00 at UTC+14.
    table(
        "time of day before 01:00",
        kir,
        &[
            (12, 31, 9, 59, false),
            (12, 31, 10, 0, true),
            (12, 31, 11, 0, true),
            (12, 31, 11, 1, false),
        ],
    );
    assert_eq!(
        runs("daily", kir, utc(12, 30, 12, 0), utc(12, 31, 23, 0)),
        [utc(12, 30, 12, 0), utc(12, 31, 10, 0)]
    );
    // The month and the week turn at local midnight too: Monday 2024-12-30 is
    // Sunday 10:00Z.
    assert_eq!(
        runs("monthly", kir, utc(12, 31, 0, 0), utc(12, 31, 23, 0)),
        [utc(12, 31, 0, 0), utc(12, 31, 10, 0)]
    );
    assert_eq!(
        runs("weekly", kir, utc(12, 29, 0, 0), utc(12, 29, 23, 0)),
        [utc(12, 29, 0, 0), utc(12, 29, 10, 0)]
    );
    assert_eq!(
        runs("cron 0 0 * * *", kir, utc(12, 29, 0, 0), utc(12, 31, 0, 0)),
        [utc(12, 29, 10, 0), utc(12, 30, 10, 0)]
    );
}

// ------------------------------------------------------------------ next_change is exact

#[test]
fn next_change_never_skips_a_change_across_dst() {
    let cases = [
        ("Europe/Helsinki", utc(10, 26, 21, 0), utc(10, 27, 5, 0)),
        ("Europe/Helsinki", utc(3, 30, 22, 0), utc(3, 31, 5, 0)),
        ("America/New_York", utc(11, 3, 4, 0), utc(11, 3, 9, 0)),
        ("America/New_York", utc(3, 10, 5, 0), utc(3, 10, 9, 0)),
    ];
    let conditions = [
        "hourly",
        "hourly between 10:00 and 20:00",
        "daily between 03:00 and 03:30",
        "daily between 04:00 and 04:30",
        "daily between 01:30 and 02:30",
        "time of day between 03:00 and 04:30",
        "time of day between 01:00 and 02:00",
        "time of hour after 45:00",
        "cron 30 3 * * *",
        "cron */20 * * * *",
        "cron 0,30 1-4 * * *",
        "has succeeded this hour",
        "has succeeded today",
    ];
    for (name, from, to) in cases {
        let zone = zone(name);
        for text in conditions {
            never_skips(text, zone, from, to, None);
            never_skips(
                text,
                zone,
                from,
                to,
                Some(from + chrono::TimeDelta::minutes(181)),
            );
        }
    }
}
