//! The `main` and `thread` executors: outcomes, panics, overlap, flags, hooks, control.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redengine::{Action, Execution, Inaction, Task, Terminated};

use common::{actions, builder, count, monday, of};

#[test]
fn thread_panics_and_errors_are_failures() {
    let (b, _clock, log) = builder(monday(8, 0));
    b.task_execution(Execution::Thread)
        .shut_cond("task 'boom' has failed & task 'err' has failed & task 'nothing' has inacted")
        .task(Task::builder("boom").start_cond("daily").run(|_| {
            if true {
                panic!("index out of range")
            }
        }))
        .task(
            Task::builder("err")
                .start_cond("daily")
                .run(|_| Err::<(), _>("disk full")),
        )
        .task(
            Task::builder("nothing")
                .start_cond("daily")
                .run(|_| Inaction),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert!(of(&log, "boom", Action::Fail)[0]
        .exc_text
        .contains("index out of range"));
    assert_eq!(of(&log, "err", Action::Fail)[0].exc_text, "disk full");
    assert_eq!(count(&log, "nothing", Action::Inaction), 1);
}

#[test]
fn a_thread_task_never_overlaps_itself() {
    let (b, clock, log) = builder(monday(8, 0));
    let alive = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let (a, m) = (alive.clone(), max.clone());
    b.clock(clock.with_grace(Duration::from_millis(5)))
        .task_execution(Execution::Thread)
        .shut_cond("task 'busy' has succeeded")
        .task(Task::builder("busy").start_cond("true").run(move |_| {
            let now = a.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            std::thread::park_timeout(Duration::from_millis(30));
            a.fetch_sub(1, Ordering::SeqCst);
        }))
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(max.load(Ordering::SeqCst), 1);
    // Every run finished before the next one started (run, success, run, success …).
    let records = actions(&log);
    assert!(
        records
            .chunks(2)
            .all(|pair| pair[0].1 == Action::Run && pair[1].1 == Action::Success),
        "{records:?}"
    );
}

#[test]
fn end_cond_terminates_with_its_reason() {
    let (b, clock, log) = builder(monday(15, 0));
    b.clock(clock.with_grace(Duration::from_millis(5)))
        .task_execution(Execution::Thread)
        .shut_cond("task 'mail' has terminated")
        .task(
            Task::builder("mail")
                .start_cond("daily")
                .timeout("never")
                .end_cond("time of day between 16:00 and 20:00")
                .run(|ctx| {
                    while !ctx.termination().is_set() {
                        std::thread::park_timeout(Duration::from_millis(1));
                    }
                    Terminated
                }),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    let t = &of(&log, "mail", Action::Terminate)[0];
    assert_eq!(t.message, "end_cond");
    assert_eq!(t.created.format("%H:%M:%S").to_string(), "16:00:00");
}

#[test]
fn hooks_run_in_order_with_outcomes() {
    let (b, _clock, _log) = builder(monday(8, 0));
    let events = Arc::new(Mutex::new(Vec::<String>::new()));
    let (e1, e2, e3, e4) = (
        events.clone(),
        events.clone(),
        events.clone(),
        events.clone(),
    );
    b.task_execution(Execution::Main)
        .shut_cond("scheduler has more than 0 cycles")
        .on_task_init(move |t| {
            e1.lock().unwrap().push(format!("init {}", t.name));
            None
        })
        .on_startup(move |_| {
            e2.lock().unwrap().push("startup".into());
            let e = e2.clone();
            Ok(Some(Box::new(move |_: &redengine::SchedulerInfo| {
                e.lock().unwrap().push("startup post".into());
                Ok(())
            })))
        })
        .on_task_execute(move |t| {
            e3.lock().unwrap().push(format!("pre {}", t.name));
            let e = e3.clone();
            Ok(Some(Box::new(
                move |t: &redengine::TaskInfo, action: Action, error: Option<&str>| {
                    e.lock()
                        .unwrap()
                        .push(format!("post {} {action} {error:?}", t.name));
                    Ok(())
                },
            )))
        })
        .on_shutdown(move |_| {
            e4.lock().unwrap().push("shutdown".into());
            Ok(None)
        })
        .task(Task::builder("a").start_cond("true").run(|_| ()))
        .task(
            Task::builder("b")
                .start_cond("true")
                .run(|_| Err::<(), _>("nope")),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(
        *events.lock().unwrap(),
        [
            "init a",
            "init b",
            "startup",
            "startup post",
            "pre a",
            "post a success None",
            "pre b",
            "post b fail Some(\"nope\")",
            "shutdown",
        ]
    );
}

#[test]
fn failing_execute_hook_is_a_prerun_failure() {
    let (b, _clock, log) = builder(monday(8, 0));
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    b.task_execution(Execution::Main)
        .shut_cond("scheduler has more than 0 cycles")
        .on_task_execute(|_| Err("quota exceeded".to_string()))
        .task(Task::builder("a").start_cond("true").run(move |_| {
            r.fetch_add(1, Ordering::SeqCst);
        }))
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    assert!(of(&log, "a", Action::Fail)[0]
        .exc_text
        .contains("quota exceeded"));
}

#[test]
fn priority_then_definition_order() {
    let (b, _clock, log) = builder(monday(8, 0));
    b.task_execution(Execution::Main)
        .shut_cond("scheduler has more than 0 cycles")
        .task(Task::builder("low").start_cond("true").run(|_| ()))
        .task(
            Task::builder("high")
                .priority(5)
                .start_cond("true")
                .run(|_| ()),
        )
        .task(Task::builder("low2").start_cond("true").run(|_| ()))
        .build()
        .unwrap()
        .run()
        .unwrap();
    let runs: Vec<_> = actions(&log)
        .into_iter()
        .filter(|(_, a)| *a == Action::Run)
        .map(|(t, _)| t)
        .collect();
    assert_eq!(runs, ["high", "low", "low2"]);
}

#[test]
fn force_run_and_on_hold_through_the_handle() {
    let (b, _clock, log) = builder(monday(8, 0));
    let mut session = b
        .task_execution(Execution::Main)
        .shut_cond("task 'manual' has succeeded")
        .task(Task::builder("manual").disabled(true).run(|_| ()))
        .build()
        .unwrap();
    session.handle().force_run("manual");
    session.run().unwrap();
    assert_eq!(count(&log, "manual", Action::Success), 1);
}

#[test]
fn run_tasks_runs_only_the_named_tasks() {
    let (b, _clock, log) = builder(monday(8, 0));
    let mut session = b
        .task_execution(Execution::Main)
        .task(Task::builder("a").run(|_| ()))
        .task(Task::builder("b").start_cond("true").run(|_| ()))
        .task(Task::builder("boot").on_startup(true).run(|_| ()))
        .build()
        .unwrap();
    session.run_tasks(["a"], false).unwrap();
    assert_eq!(
        actions(&log),
        [
            ("a".to_string(), Action::Run),
            ("a".to_string(), Action::Success)
        ]
    );
    let err = session.run_tasks(["c"], false).unwrap_err();
    assert!(err.to_string().contains("unknown task 'c'"), "{err}");
}

#[test]
fn run_tasks_runs_its_cycle_whatever_shut_cond_says() {
    let (b, _clock, log) = builder(monday(8, 0));
    let mut session = b
        .task_execution(Execution::Main)
        .shut_cond("true")
        .task(Task::builder("a").run(|_| ()))
        .build()
        .unwrap();
    session.run_tasks(["a"], false).unwrap();
    assert_eq!(
        actions(&log),
        [
            ("a".to_string(), Action::Run),
            ("a".to_string(), Action::Success)
        ]
    );
}

#[test]
fn on_hold_pauses_launching() {
    let (b, _clock, log) = builder(monday(8, 0));
    let mut session = b
        .task_execution(Execution::Main)
        .shut_cond("scheduler has more than 2 cycles")
        .task(Task::builder("eager").start_cond("true").run(|_| ()))
        .build()
        .unwrap();
    session.handle().set_on_hold(true);
    session.run().unwrap();
    assert!(log.records().is_empty());
}

#[test]
fn force_termination_is_logged_manual() {
    let (b, clock, log) = builder(monday(8, 0));
    b.clock(clock.with_grace(Duration::from_millis(5)))
        .task_execution(Execution::Thread)
        .shut_cond("task 'looping' has terminated")
        .on_cycle(|info| {
            if info.cycles == 1 {
                info.handle.force_termination("looping");
            }
            Ok(None)
        })
        .task(Task::builder("looping").start_cond("daily").run(|ctx| {
            while !ctx.termination().is_set() {
                std::thread::park_timeout(Duration::from_millis(1));
            }
            Terminated
        }))
        .build()
        .unwrap()
        .run()
        .unwrap();
    let t = of(&log, "looping", Action::Terminate);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].message, "manual");
}

/// What a `thread` run saw of its thread: its id, its Rust name and its OS name.
fn own_thread() -> (std::thread::ThreadId, Option<String>, String) {
    let me = std::thread::current();
    let os = std::fs::read_to_string("/proc/thread-self/comm").unwrap();
    (
        me.id(),
        me.name().map(str::to_string),
        os.trim_end().to_string(),
    )
}

#[test]
fn thread_runs_of_different_tasks_reuse_a_thread_under_their_own_os_name() {
    const TASKS: usize = 8;
    let (b, _clock, log) = builder(monday(8, 0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let names: Vec<String> = (0..TASKS).map(|i| format!("again-{i}")).collect();
    let tasks = names.iter().map(|name| {
        let s = seen.clone();
        Task::builder(name).run(move |ctx| {
            s.lock()
                .unwrap()
                .push((ctx.task_name().to_string(), own_thread()));
        })
    });
    let mut session = b
        .task_execution(Execution::Thread)
        .with_tasks(tasks)
        .build()
        .unwrap();
    // One after the other: each run's thread is idle again before its end is reported,
    // so the next task's run finds it.
    for name in &names {
        session.run_tasks([name.as_str()], false).unwrap();
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), TASKS, "{seen:?}");
    for (task, (_, rust, os)) in seen.iter() {
        assert_eq!(os, task, "the OS name is the task's");
        assert_eq!(rust.as_deref(), Some("redengine"));
    }
    // Other tests share the pool and may take the idle thread in between, but not
    // before every run.
    let threads: HashSet<_> = seen.iter().map(|(_, (id, _, _))| *id).collect();
    assert!(threads.len() < TASKS, "{} threads: {seen:?}", threads.len());
    assert_eq!(actions(&log).len(), 2 * TASKS);
}

#[test]
fn a_panic_does_not_cost_the_next_thread_run() {
    let (b, clock, log) = builder(monday(8, 0));
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    b.clock(clock.with_grace(Duration::from_millis(5)))
        .task_execution(Execution::Thread)
        .shut_cond("task 'flaky' has succeeded")
        .task(Task::builder("flaky").start_cond("true").run(move |_| {
            if r.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("first run breaks")
            }
        }))
        .build()
        .unwrap()
        .run()
        .unwrap();
    // The first run failed; the later ones (the thread it panicked on, reused) succeeded.
    assert_eq!(count(&log, "flaky", Action::Fail), 1, "{:?}", actions(&log));
    assert!(
        count(&log, "flaky", Action::Success) >= 1,
        "{:?}",
        actions(&log)
    );
}
