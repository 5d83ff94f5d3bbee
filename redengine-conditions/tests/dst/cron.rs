//! `cron` on the change days.

use chrono::{TimeZone, Utc};
use redengine_conditions::{Context, History, NextChange};

use crate::*;

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
