//! The Advanced Guide's executions (sections "Execution" and "Terminating"): the same kind
//! of task on each of the three executors.
//!
//! * `main`: runs on the scheduler thread; the cycle waits for it (no parallelism).
//! * `thread`: a thread of the scheduler's shared pool (any idle one, else a new one);
//!   termination is cooperative (a flag the body reads).
//! * `process`: the binary re-executed as a child running only that task; the only
//!   executor that can really kill a run, so the one for hard timeouts.

/// In the guide: once a minute, on the scheduler thread.
#[redengine::task(start_cond = "minutely", execution = "main")]
fn check_pulse() {
    println!("    check_pulse: still alive");
}

/// In the guide: once an hour, on a thread (of the pool).
#[redengine::task(start_cond = "hourly", execution = "thread")]
fn check_emails() {
    println!("    check_emails: inbox zero");
}

/// In the guide: once a week, in a child process. The guide shows three variants of `check_mail`
/// (plain, `timeout="2 hours"`, `end_cond=…`); names are unique, so this one carries both
/// limits: the run is killed after 2 hours, or as soon as it is still running at a check
/// between 16:00 and 20:00.
#[redengine::task(
    start_cond = "weekly",
    execution = "process",
    timeout = "2 hours",
    end_cond = "time of day between 16:00 and 20:00"
)]
fn check_mail() {
    println!("    check_mail: walking to the mailbox (half a second)");
    std::thread::sleep(std::time::Duration::from_millis(500));
}
