//! A simulated week of the Advanced Guide's tasks, built with the runtime builder, on a
//! manual clock.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{Datelike, Timelike};
use redengine::{Action, Execution, Inaction, Task, TaskContext};

use common::{builder, count, monday, of};

/// What the tasks observed while running.
#[derive(Default)]
struct Seen {
    receivers: Mutex<Vec<Vec<String>>>,
    friends: Mutex<Vec<Vec<String>>>,
    processed: Mutex<Vec<Option<u32>>>,
    friend_calls: AtomicUsize,
    cycles: AtomicUsize,
}

fn seed_week(execution: Execution) -> (redengine::MemoryLog, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let (b, _clock, log) = builder(monday(0, 0));
    let get_data_calls = Arc::new(AtomicUsize::new(0));
    let (s1, s2, s3, s4, s5) = (
        seen.clone(),
        seen.clone(),
        seen.clone(),
        seen.clone(),
        seen.clone(),
    );
    let mut session = b
        .task_execution(execution)
        .shut_cond("scheduler has run over 7 days")
        .param_fn("friend_list", move |_| {
            s1.friend_calls.fetch_add(1, Ordering::SeqCst);
            Ok::<_, String>(vec!["ann".to_string(), "bob".to_string()])
        })
        .on_cycle(move |_| {
            s5.cycles.fetch_add(1, Ordering::SeqCst);
            Ok(None)
        })
        .task(
            Task::builder("wake_up")
                .start_cond("daily after 08:00")
                .run(|_| ()),
        )
        .task(
            Task::builder("wash_teeth")
                .start_cond("daily between 08:00 and 08:15 | daily between 22:00 and 22:15")
                .run(|_| ()),
        )
        .task(
            Task::builder("go_to_work")
                .start_cond(
                    "daily between 09:00 and 10:00 & time of week between Monday and Friday",
                )
                .run(|_| ()),
        )
        .task(
            Task::builder("process_data")
                .start_cond("daily after 06:00")
                .returned_from::<u32>("data", "get_data")
                .run(
                    move |ctx: &TaskContext| -> Result<(), redengine::ParamError> {
                        s2.processed
                            .lock()
                            .unwrap()
                            .push(ctx.returned::<u32>("data")?);
                        Ok(())
                    },
                ),
        )
        .task(
            Task::builder("get_data")
                .start_cond("daily after 07:00")
                .run(move |_| {
                    // Fails on the 2nd and 4th day (Tuesday, Thursday).
                    let n = get_data_calls.fetch_add(1, Ordering::SeqCst) + 1;
                    if n == 2 || n == 4 {
                        Err(format!("source unavailable on call {n}"))
                    } else {
                        Ok(n as u32 * 10)
                    }
                }),
        )
        .task(
            Task::builder("transform_data")
                .start_cond("after task 'get_data' succeeded")
                .run(|_| ()),
        )
        .task(
            Task::builder("store_data")
                .start_cond("after task 'transform_data'")
                .run(|_| ()),
        )
        .task(
            Task::builder("report_errors")
                .start_cond("after task 'get_data' failed")
                .run(|_| ()),
        )
        .task(
            Task::builder("report_news")
                .start_cond("daily after 12:00")
                .param("receivers", vec!["me@example.com".to_string()])
                .run(move |ctx| -> Result<(), redengine::ParamError> {
                    s3.receivers.lock().unwrap().push(ctx.param("receivers")?);
                    Ok(())
                }),
        )
        .task(
            Task::builder("announce")
                .start_cond("daily after 18:00")
                .arg::<Vec<String>>("friend_list")
                .run(move |ctx| -> Result<(), redengine::ParamError> {
                    s4.friends.lock().unwrap().push(ctx.param("friend_list")?);
                    Ok(())
                }),
        )
        .task(
            Task::builder("idle")
                .start_cond("daily after 23:00")
                .run(|_| Inaction),
        )
        .build()
        .expect("valid session");
    session.run().expect("the week runs");
    (log, seen)
}

fn check_week(log: &redengine::MemoryLog, seen: &Seen) {
    assert_eq!(count(log, "wake_up", Action::Success), 7);
    assert_eq!(count(log, "wash_teeth", Action::Success), 14);
    let work = of(log, "go_to_work", Action::Success);
    assert_eq!(work.len(), 5);
    for r in &work {
        assert!(r.created.weekday().number_from_monday() <= 5, "{r:?}");
        assert_eq!(r.created.hour(), 9);
    }
    for r in of(log, "wash_teeth", Action::Run) {
        assert!(
            matches!(
                (r.created.hour(), r.created.minute()),
                (8, 0..=15) | (22, 0..=15)
            ),
            "{r:?}"
        );
    }
    assert_eq!(count(log, "get_data", Action::Success), 5);
    assert_eq!(count(log, "get_data", Action::Fail), 2);
    assert_eq!(count(log, "report_errors", Action::Success), 2);
    assert_eq!(count(log, "transform_data", Action::Success), 5);
    assert_eq!(count(log, "store_data", Action::Success), 5);
    assert_eq!(count(log, "idle", Action::Inaction), 7);

    // Pipeline order: every get_data finish is followed by its dependants, in order, and
    // report_errors follows exactly the failures.
    let records = log.records();
    let finishes: Vec<_> = records
        .iter()
        .filter(|r| r.action != Action::Run)
        .map(|r| (r.task_name.as_str(), r.action))
        .collect();
    let mut expected_next = Vec::new();
    for (i, (task, action)) in finishes.iter().enumerate() {
        if *task == "get_data" {
            expected_next.push(i);
            let rest: Vec<_> = finishes[i + 1..]
                .iter()
                .filter(|(t, _)| ["transform_data", "store_data", "report_errors"].contains(t))
                .take(if *action == Action::Success { 2 } else { 1 })
                .map(|(t, _)| *t)
                .collect();
            if *action == Action::Success {
                assert_eq!(rest, ["transform_data", "store_data"]);
            } else {
                assert_eq!(rest, ["report_errors"]);
            }
        }
    }
    assert_eq!(expected_next.len(), 7);

    let receivers = seen.receivers.lock().unwrap();
    assert_eq!(receivers.len(), 7);
    assert!(receivers
        .iter()
        .all(|r| r == &["me@example.com".to_string()]));
    let friends = seen.friends.lock().unwrap();
    assert_eq!(friends.len(), 7);
    // Called right before each launch of `announce`, and only then.
    assert_eq!(seen.friend_calls.load(Ordering::SeqCst), 7);
    // process_data runs at 06:00, before get_data: None on day 1, then the latest success
    // (a failure keeps the previous value).
    assert_eq!(
        *seen.processed.lock().unwrap(),
        [
            None,
            Some(10),
            Some(10),
            Some(30),
            Some(30),
            Some(50),
            Some(60)
        ]
    );
    // The loop sleeps to the next window edge: a few cycles per task launch, not per tick.
    let cycles = seen.cycles.load(Ordering::SeqCst);
    assert!(cycles < 400, "{cycles} cycles in a simulated week");
}

#[test]
fn seed_week_on_main() {
    let (log, seen) = seed_week(Execution::Main);
    check_week(&log, &seen);
}

#[test]
fn seed_week_on_threads() {
    let (log, seen) = seed_week(Execution::Thread);
    check_week(&log, &seen);
}

#[test]
fn records_follow_the_spec_fields() {
    let (b, _clock, log) = builder(monday(8, 0));
    let mut session = b
        .task_execution(Execution::Main)
        .shut_cond("scheduler has more than 0 cycles")
        .task(Task::builder("ok").start_cond("true").run(|_| ()))
        .task(
            Task::builder("bad")
                .start_cond("true")
                .run(|_| Err::<(), _>("connection refused, retry later")),
        )
        .task(Task::builder("boom").start_cond("true").run(|_| {
            if true {
                panic!("exploded")
            }
        }))
        .build()
        .unwrap();
    session.run().unwrap();
    let records = log.records();
    let names: Vec<_> = records
        .iter()
        .map(|r| (r.task_name.as_str(), r.action))
        .collect();
    assert_eq!(
        names,
        [
            ("ok", Action::Run),
            ("ok", Action::Success),
            ("bad", Action::Run),
            ("bad", Action::Fail),
            ("boom", Action::Run),
            ("boom", Action::Fail),
        ]
    );
    assert_eq!(records[0].message, "Task 'ok' status: 'run'");
    assert_eq!(records[3].exc_text, "connection refused, retry later");
    assert!(records[5].exc_text.contains("exploded"), "{:?}", records[5]);
    assert_eq!(records[1].start, Some(records[0].created));
}

#[test]
fn idle_thousand_tasks_sleep_to_the_next_window_edge() {
    let (mut b, _clock, log) = builder(monday(10, 0));
    let cycles = Arc::new(AtomicUsize::new(0));
    let c = cycles.clone();
    for i in 0..1000 {
        b = b.task(
            Task::builder(format!("task{i}"))
                .execution(Execution::Main)
                .start_cond("daily between 22:00 and 22:15")
                .run(|_| ()),
        );
    }
    let mut session = b
        .shut_cond("scheduler has run over 1 hour")
        .on_cycle(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
            Ok(None)
        })
        .build()
        .unwrap();
    session.run().unwrap();
    assert!(log.records().is_empty());
    let n = cycles.load(Ordering::SeqCst);
    assert!(n <= 3, "{n} cycles in an idle simulated hour");
}

#[test]
fn handle_shutdown_wakes_an_idle_scheduler() {
    let (b, _clock, _log) = builder(monday(10, 0));
    let mut session = b
        .task(Task::builder("never").start_cond("false").run(|_| ()))
        .build()
        .unwrap();
    let handle = session.handle();
    let stopper = std::thread::spawn(move || handle.shutdown());
    session.run().unwrap();
    stopper.join().unwrap();
}
