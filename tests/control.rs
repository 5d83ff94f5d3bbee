//! The built-in control tasks (`ShutDown`, `Restart`) and the `SessionHandle` a task body
//! can take (docs/runtime.md#shutdown, #restart, #manual-control), on virtual time.

mod common;

use common::{actions, builder, count, monday};
use redengine::{Action, Execution, Restart, SessionHandle, ShutDown, Task};

#[test]
fn a_shutdown_task_stops_the_scheduler_after_its_run() {
    let (builder, _clock, log) = builder(monday(8, 0));
    let mut session = builder
        .task(
            Task::builder("work")
                .start_cond("daily")
                .execution(Execution::Main)
                .run(|_| ()),
        )
        .task(
            Task::builder("stop")
                .start_cond("after task 'work' succeeded")
                .execution(Execution::Main)
                .kind(ShutDown),
        )
        .task(
            // Checked after `stop` in the same cycle: the cycle ends right after `stop`.
            Task::builder("late")
                .start_cond("true")
                .execution(Execution::Main)
                .run(|_| ()),
        )
        .build()
        .expect("valid session");
    session.run().expect("a ShutDown task ends run() with Ok");
    assert_eq!(count(&log, "work", Action::Success), 1);
    assert_eq!(count(&log, "stop", Action::Success), 1);
    assert_eq!(count(&log, "late", Action::Run), 0, "{:?}", actions(&log));
}

#[test]
fn a_task_can_take_the_session_handle() {
    let (builder, _clock, log) = builder(monday(8, 0));
    let mut session = builder
        .task(
            Task::builder("trigger")
                .start_cond("daily")
                .execution(Execution::Thread)
                .arg::<SessionHandle>("session")
                .run(|ctx| {
                    let handle: SessionHandle = ctx.param("session").map_err(|e| e.to_string())?;
                    handle.force_run("manual");
                    Ok::<(), String>(())
                }),
        )
        .task(
            Task::builder("manual")
                .execution(Execution::Main)
                .run(|ctx| {
                    ctx.session().expect("main runs have the handle").shutdown();
                }),
        )
        .build()
        .expect("valid session");
    session.run().expect("clean shutdown");
    assert_eq!(
        count(&log, "trigger", Action::Success),
        1,
        "{:?}",
        actions(&log)
    );
    assert_eq!(
        count(&log, "manual", Action::Success),
        1,
        "{:?}",
        actions(&log)
    );
}

#[test]
fn a_process_task_cannot_take_the_session_handle() {
    let (builder, _clock, _log) = builder(monday(8, 0));
    let session = builder
        .task(
            Task::builder("remote")
                .execution(Execution::Process)
                .arg::<SessionHandle>("session")
                .run(|_| ()),
        )
        .task(
            Task::builder("stop_remotely")
                .execution(Execution::Process)
                .kind(ShutDown),
        )
        .build()
        .expect("the builder accepts it; ignite refuses it");
    let error = session
        .ignite()
        .expect_err("ignite refuses both")
        .to_string();
    assert!(
        error.contains("argument `session` is a `SessionHandle`")
            && error.contains("use `execution = \"main\"`"),
        "{error}"
    );
    assert!(error.contains("stop_remotely"), "{error}");
}

#[test]
fn a_restart_task_with_recall_runs_start_up_again() {
    let (builder, _clock, log) = builder(monday(8, 0));
    let mut session = builder
        .config("restarting", "recall")
        .shut_cond("scheduler has more than 2 cycles")
        .task(
            Task::builder("boot")
                .on_startup(true)
                .execution(Execution::Main)
                .run(|_| ()),
        )
        .task(
            // Its own success is in the log after the restart, so it restarts only once.
            Task::builder("restart")
                .start_cond("~has succeeded")
                .execution(Execution::Main)
                .kind(Restart),
        )
        .build()
        .expect("valid session");
    session.run().expect("ends on shut_cond after one restart");
    assert_eq!(
        count(&log, "restart", Action::Success),
        1,
        "{:?}",
        actions(&log)
    );
    assert_eq!(
        count(&log, "boot", Action::Success),
        2,
        "{:?}",
        actions(&log)
    );
}

/// A `main` run's flag is recycled for the next run when nothing else holds it: the next
/// run must still start with a clear flag, and a flag a body kept must stay that run's own.
#[test]
fn every_main_run_starts_with_a_clear_termination_flag_of_its_own() {
    use redengine::{TerminationFlag, TerminationReason};
    use std::sync::{Arc, Mutex};

    let (builder, _clock, log) = builder(monday(8, 0));
    let seen: Arc<Mutex<Vec<bool>>> = Arc::default();
    let kept: Arc<Mutex<Vec<TerminationFlag>>> = Arc::default();
    let (s, k) = (Arc::clone(&seen), Arc::clone(&kept));
    let mut session = builder
        .task(
            Task::builder("work")
                .start_cond("true")
                .execution(Execution::Main)
                .run(move |ctx| {
                    let flag = ctx.termination();
                    let mut seen = s.lock().unwrap();
                    seen.push(flag.is_set());
                    match seen.len() {
                        // Set by the body itself; nobody keeps it: recycled.
                        1 => flag.set(TerminationReason::Manual),
                        // Kept past the run: the next run gets another flag.
                        2 => k.lock().unwrap().push(flag.clone()),
                        _ => {
                            k.lock().unwrap().push(flag.clone());
                            if let Some(h) = ctx.session() {
                                h.shutdown();
                            }
                        }
                    }
                }),
        )
        .build()
        .expect("valid session");
    session
        .run()
        .expect("runs until the third run shuts it down");
    assert_eq!(*seen.lock().unwrap(), [false, false, false]);
    let kept = kept.lock().unwrap();
    kept[0].set(TerminationReason::Timeout);
    assert!(
        !kept[1].is_set(),
        "the second and third runs shared a flag: {:?}",
        actions(&log)
    );
}
