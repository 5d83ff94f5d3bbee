//! SIGTERM during `run()` shuts the scheduler down gracefully (its own test binary: a
//! signal reaches every session of the process).

mod common;

use redengine::{Action, Execution, Task};

use common::{builder, count, monday};

#[cfg(unix)]
#[test]
fn sigterm_shuts_down_gracefully() {
    let (b, _clock, log) = builder(monday(8, 0));
    let mut session = b
        .task_execution(Execution::Main)
        // Nothing would ever stop this session but the signal.
        .task(Task::builder("boot").on_startup(true).run(|_| ()))
        .task(Task::builder("closing").on_shutdown(true).run(|_| ()))
        .on_startup(|_| {
            let status = std::process::Command::new("kill")
                .args(["-TERM", &std::process::id().to_string()])
                .status()
                .map_err(|e| e.to_string())?;
            if status.success() {
                Ok(None)
            } else {
                Err(format!("kill failed: {status}"))
            }
        })
        .build()
        .unwrap();
    session.run().unwrap();
    assert_eq!(count(&log, "boot", Action::Success), 1);
    // The graceful sequence ran: on_shutdown tasks are launched.
    assert_eq!(count(&log, "closing", Action::Success), 1);
}
