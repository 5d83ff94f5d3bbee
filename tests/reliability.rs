//! Reliability defects of the scheduler found by fault injection, on virtual time: clock
//! steps, a thread task past its timeout, task names no thread or process can carry.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use common::{builder, count, monday, of};
use redengine::{Action, Alarm, Clock, Execution, ManualClock, MemoryLog, Session, Task, Zone};

/// A wall clock that can be stepped back: virtual time minus an offset.
#[derive(Clone)]
struct SteppingClock {
    inner: ManualClock,
    back: Arc<Mutex<TimeDelta>>,
}

impl SteppingClock {
    fn step_back(&self, by: TimeDelta) {
        *self.back.lock().unwrap() += by;
    }
    fn offset(&self) -> TimeDelta {
        *self.back.lock().unwrap()
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        self.inner.now() - self.offset()
    }
    fn sleep(&self, deadline: Option<DateTime<Utc>>, alarm: &Alarm) {
        self.inner.sleep(deadline.map(|d| d + self.offset()), alarm);
    }
}

/// After a 1 h step back at 10:00, finished runs stay finished: `daily after 03:30` does
/// not run again at (wall) 09:00, and `every 2 hours` waits for 2 h after its finish.
/// Before the fix their records lay "in the future" and both ran again at once.
#[test]
fn a_clock_stepping_back_does_not_rerun_finished_work() {
    let start = Utc.with_ymd_and_hms(2024, 1, 3, 10, 0, 0).unwrap();
    let clock = SteppingClock {
        inner: ManualClock::new(start),
        back: Arc::new(Mutex::new(TimeDelta::zero())),
    };
    let log = MemoryLog::new();
    let stepper = clock.clone();
    Session::builder()
        .clock(clock.clone())
        .zone(Zone::Utc)
        .log_store(log.clone())
        .task_execution(Execution::Main)
        .task(
            Task::builder("daily")
                .start_cond("daily after 03:30")
                .run(|_| ()),
        )
        .task(
            Task::builder("every")
                .start_cond("every 2 hours")
                .run(|_| ()),
        )
        // The step happens once both have run: the clock reads 09:00 again.
        .on_cycle(move |info| {
            if info.cycles == 1 && stepper.offset().is_zero() {
                stepper.step_back(TimeDelta::hours(1));
            }
            Ok(None)
        })
        .shut_cond("scheduler has run over 3 hours")
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(count(&log, "daily", Action::Run), 1, "{:#?}", log.records());
    let every: Vec<_> = of(&log, "every", Action::Run)
        .iter()
        .map(|r| r.created.with_timezone(&Utc))
        .collect();
    // 10:00, then 2 h after that run's finish (12:00 scheduler time), not at 09:00.
    assert_eq!(every.len(), 2, "{every:?}");
    assert!(every[1] >= start + TimeDelta::hours(2), "{every:?}");
}

/// A log whose records lie after the clock's time (the clock went back while the
/// scheduler was down): those runs count as finished, nothing runs again.
#[test]
fn records_from_the_future_count_as_finished_at_start_up() {
    let at_ten = Utc.with_ymd_and_hms(2024, 1, 3, 10, 0, 0).unwrap();
    let (b, _clock, log) = builder(at_ten);
    b.task_execution(Execution::Main)
        .task(
            Task::builder("daily")
                .start_cond("daily after 03:30")
                .run(|_| ()),
        )
        .shut_cond("task 'daily' has succeeded")
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(count(&log, "daily", Action::Success), 1);
    // Restart on the same log with the clock an hour earlier.
    let clock = ManualClock::new(at_ten - TimeDelta::hours(1));
    Session::builder()
        .clock(clock)
        .zone(Zone::Utc)
        .log_store(log.clone())
        .task_execution(Execution::Main)
        .task(
            Task::builder("daily")
                .start_cond("daily after 03:30")
                .run(|_| ()),
        )
        .shut_cond("scheduler has run over 2 hours")
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(count(&log, "daily", Action::Run), 1, "{:#?}", log.records());
}

/// A thread task that ignores its termination flag past `timeout = 1 second` finishes on
/// its own, and its record says it overran. Before the fix it was a plain `success`.
#[test]
fn a_thread_task_past_its_timeout_is_recorded_as_overrunning() {
    let (b, clock, log) = builder(monday(8, 0));
    b.clock(clock.with_grace(Duration::from_millis(5)))
        .task(
            Task::builder("stubborn")
                .start_cond("~has started")
                .execution(Execution::Thread)
                .timeout("1 second")
                .run(|ctx| {
                    // Waits for the stop request, then ignores it and returns normally.
                    while !ctx.termination().is_set() {
                        std::thread::park_timeout(Duration::from_millis(1));
                    }
                }),
        )
        .shut_cond("task 'stubborn' has finished")
        .build()
        .unwrap()
        .run()
        .unwrap();
    let done = of(&log, "stubborn", Action::Success);
    assert_eq!(done.len(), 1, "{:#?}", log.records());
    assert!(
        done[0].message.contains("ran past its timeout of 1 second"),
        "{}",
        done[0].message
    );
}

/// Names no thread, child environment or log line can carry are refused at start-up,
/// with the name and the fix. Before the fix a NUL byte panicked the scheduler (exit 101).
#[test]
fn unusable_task_names_are_refused_at_start_up() {
    for (name, why) in [
        ("a\0b", "NUL byte"),
        ("two\nlines", "control character"),
        ("  ", "empty or blank"),
    ] {
        let (b, _clock, _log) = builder(monday(8, 0));
        let err = b
            .task(
                Task::builder(name)
                    .start_cond("true")
                    .execution(Execution::Thread)
                    .run(|_| ()),
            )
            .shut_cond("true")
            .build()
            .unwrap()
            .run()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(why) && err.contains("rename the task"),
            "{err}"
        );
    }
}
