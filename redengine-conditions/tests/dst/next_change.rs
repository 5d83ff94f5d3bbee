//! `next_change` never skips a change of value around clock changes.

use crate::*;

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
