//! Europe/Helsinki (and Berlin): windows and clock hours on both change days.

use redengine_conditions::{Action, Context, History, NextChange};

use crate::*;

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

#[test]
fn a_window_is_the_span_between_its_edges_through_the_repeated_hour() {
    let hki = zone("Europe/Helsinki");
    table(
        "time of day after 03:30",
        hki,
        &[
            (10, 27, 0, 29, false), // 03:29 EEST
            (10, 27, 0, 30, true),  // 03:30 EEST
            (10, 27, 1, 10, true),  // 03:10 EET: the clock shows an earlier time, still open
            (10, 27, 21, 59, true), // 23:59 EET
        ],
    );
    table(
        "time of day before 03:30",
        hki,
        &[
            (10, 27, 0, 30, true),
            (10, 27, 0, 31, false),
            (10, 27, 1, 10, false),
        ],
    );
}
