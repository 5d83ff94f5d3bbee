//! Midnight far from UTC: Auckland and Kiritimati.

use crate::*;

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
