//! America/New_York on both change days, and explanations in a fold.

use redengine_conditions::{Action, Context, History};

use crate::*;

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
