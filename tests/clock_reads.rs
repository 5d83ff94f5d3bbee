//! A clock that moves between two readings of one check: the scheduler must decide what a
//! task waits for at the instant it checked the task, not at a later reading (a window
//! that opened in between would otherwise be slept through), and `shut_cond` at the instant
//! the wait starts from.

mod common;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use redengine::{Action, Alarm, Clock, Execution, ManualClock, Task};

/// A wall clock that moves one second on from every reading, as a real one moves on
/// between any two readings.
#[derive(Clone)]
struct Ticking(ManualClock);

impl Clock for Ticking {
    fn now(&self) -> DateTime<Utc> {
        let t = self.0.now();
        self.0.advance(Duration::from_secs(1));
        t
    }

    fn sleep(&self, deadline: Option<DateTime<Utc>>, alarm: &Alarm) {
        self.0.sleep(deadline, alarm);
    }
}

/// `a` ends `k` seconds before 10:00; `b`, woken by `a`'s records, is due from 10:00 to
/// 11:00. Whatever reading of the clock its check lands on, `b` runs in that window: the
/// check before 10:00 is false, and the wait that follows it must end at 10:00, not at
/// the window's end as seen from a reading after 10:00.
#[test]
fn a_window_that_opens_between_a_check_and_the_next_reading_is_not_slept_through() {
    for k in 1..=12 {
        let (builder, clock, log) = common::builder(common::monday(9, 0));
        let set = clock.clone();
        let edge = common::monday(10, 0);
        builder
            .clock(Ticking(clock))
            .task_execution(Execution::Main)
            .shut_cond("scheduler has run over 3 hours")
            .task(
                Task::builder("a")
                    .start_cond("~has started")
                    .run(move |_| set.set(edge - TimeDelta::seconds(k))),
            )
            .task(
                Task::builder("b")
                    .start_cond("daily between 10:00 and 11:00 & after task 'a'")
                    .run(|_| ()),
            )
            .build()
            .unwrap()
            .run()
            .unwrap();
        let ran = common::of(&log, "b", Action::Success);
        assert_eq!(ran.len(), 1, "a ended {k} s before 10:00: b ran {ran:?}");
        let at = ran[0].created.with_timezone(&Utc);
        assert!(at >= edge && at < edge + TimeDelta::hours(1), "{at}");
    }
}

/// `shut_cond` turns true at 10:00, between the cycle's check of it and the reading the
/// wait that follows starts from: the scheduler stops then, not at its next wake-up (the
/// only task is due again at 11:00). Seen from a reading after 10:00, `shut_cond` next
/// changes at midnight, so the wait must look at it again at its own reading.
#[test]
fn a_shut_cond_that_turns_true_between_its_check_and_the_wait_stops_the_scheduler_then() {
    for k in 1..=12 {
        let (builder, clock, log) = common::builder(common::monday(9, 0));
        let (set, read) = (clock.clone(), clock.clone());
        let edge = common::monday(10, 0);
        builder
            .clock(Ticking(clock))
            .task_execution(Execution::Main)
            .shut_cond("time of day after 10:00")
            .task(
                Task::builder("a")
                    .start_cond("every 2 hours")
                    .run(move |_| set.set(edge - TimeDelta::seconds(k))),
            )
            .build()
            .unwrap()
            .run()
            .unwrap();
        let stopped = read.now();
        assert_eq!(common::count(&log, "a", Action::Success), 1);
        assert!(
            stopped < edge + TimeDelta::minutes(1),
            "a ended {k} s before 10:00 and the scheduler stopped at {stopped}"
        );
    }
}
