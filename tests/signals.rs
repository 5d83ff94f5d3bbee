//! SIGTERM during `run()` shuts the scheduler down gracefully (its own test binary: a
//! signal reaches every session of the process).

mod common;

use redengine::{Action, Execution, Task};

use common::{builder, count, monday};

/// A signal reaches every session of the process: the tests of this binary run one at a
/// time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Sends SIGTERM to this process (from a child, as a user's `kill` would).
fn sigterm_self() -> Result<(), String> {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("kill failed: {status}"))
    }
}

#[cfg(unix)]
#[test]
fn sigterm_shuts_down_gracefully() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (b, _clock, log) = builder(monday(8, 0));
    let mut session = b
        .task_execution(Execution::Main)
        // Nothing would ever stop this session but the signal.
        .task(Task::builder("boot").on_startup(true).run(|_| ()))
        .task(Task::builder("closing").on_shutdown(true).run(|_| ()))
        .on_startup(|_| sigterm_self().map(|()| None))
        .build()
        .unwrap();
    session.run().unwrap();
    assert_eq!(count(&log, "boot", Action::Success), 1);
    // The graceful sequence ran: on_shutdown tasks are launched.
    assert_eq!(count(&log, "closing", Action::Success), 1);
}

/// The signal thread starts at the end of the first cycle (or when the loop first blocks
/// or runs a `main` task): a signal that arrives before is kept, and handled then.
#[cfg(unix)]
#[test]
fn a_signal_before_the_first_cycle_is_handled_after_it() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (b, _clock, log) = builder(monday(8, 0));
    let mut session = b
        .task_execution(Execution::Thread)
        .task(Task::builder("first").start_cond("daily").run(|_| ()))
        .task(
            Task::builder("closing")
                .on_shutdown(true)
                .execution(Execution::Main)
                .run(|_| ()),
        )
        // No `main` run and no wait before the first cycle: the forwarder has not started
        // when this signal arrives. `raise` runs the handler on this thread before it
        // returns, so the signal is surely waiting when the first cycle ends.
        .on_startup(|_| {
            nix::sys::signal::raise(nix::sys::signal::Signal::SIGTERM)
                .map(|()| None)
                .map_err(|e| e.to_string())
        })
        .build()
        .unwrap();
    session.run().unwrap();
    // The first cycle launched its task before the signal was handled, and the graceful
    // sequence followed at its end, before a second cycle (the virtual clock would
    // otherwise go on to the next day and run it again).
    assert_eq!(count(&log, "first", Action::Success), 1);
    assert_eq!(count(&log, "closing", Action::Success), 1);
}
