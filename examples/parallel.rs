//! The three executors side by side (`cargo run --example parallel`, about ten seconds).
//!
//! * `on_main` runs on the scheduler thread: while it sleeps, nothing else starts.
//! * `on_thread` runs on a thread of the scheduler's shared pool (any idle one, else a new
//!   one), so the scheduler goes on while it sleeps; `stubborn_thread` shows cooperative
//!   termination: its 1-second timeout sets its [`TerminationFlag`], which it polls.
//! * `in_process` runs in a child process (the same binary, re-executed for that one
//!   task): note the different process id. Only a process can be killed outright, so hard
//!   timeouts need `process`.
//!
//! At shutdown a hook prints what the log recorded for each task.

use std::time::{Duration, Instant};

use std::collections::BTreeMap;

use redengine::{
    AfterScheduler, MemoryLog, Outcome, SchedulerInfo, Session, TaskRecord, TerminationFlag,
};

fn whereami(task: &str) {
    println!(
        "{task:>16}: process {}, thread {:?}",
        std::process::id(),
        std::thread::current().id()
    );
}

/// On the scheduler thread, every 2 seconds, blocking it for 300 ms.
#[redengine::task(start_cond = "every 2 seconds", execution = "main")]
fn on_main() {
    whereami("on_main");
    std::thread::sleep(Duration::from_millis(300));
}

/// On a pool thread, every 2 seconds; the scheduler keeps going while it sleeps.
#[redengine::task(start_cond = "every 2 seconds", execution = "thread")]
fn on_thread() {
    whereami("on_thread");
    std::thread::sleep(Duration::from_millis(800));
}

/// On a pool thread, with a 1-second timeout: the scheduler sets the flag, the body
/// notices and stops (logged `terminate`, reason `timeout`).
#[redengine::task(
    start_cond = "every 4 seconds",
    execution = "thread",
    timeout = "1 second"
)]
fn stubborn_thread(flag: TerminationFlag) -> Outcome {
    whereami("stubborn_thread");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if flag.is_set() {
            println!(
                "{:>16}: asked to stop after {:?}",
                "stubborn_thread",
                started.elapsed()
            );
            return Outcome::Terminated;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Outcome::Success(None)
}

/// In a child process, every 3 seconds.
#[redengine::task(start_cond = "every 3 seconds", execution = "process")]
fn in_process() {
    whereami("in_process");
}

/// Prints, per task, how many runs ended with each action, and the last error text.
fn print_summary(records: &[TaskRecord]) {
    let mut tasks: BTreeMap<&str, (BTreeMap<&str, usize>, &str)> = BTreeMap::new();
    for record in records {
        let (actions, error) = tasks.entry(record.task_name.as_str()).or_default();
        *actions.entry(record.action.as_str()).or_default() += 1;
        if !record.exc_text.is_empty() {
            *error = record.exc_text.as_str();
        }
    }
    println!("what the log recorded:");
    for (task, (actions, error)) in tasks {
        let actions: Vec<String> = actions.iter().map(|(a, n)| format!("{n} {a}")).collect();
        println!("{task:>16}: {}", actions.join(", "));
        if !error.is_empty() {
            println!("{:>16}  last error: {error}", "");
        }
    }
}

#[redengine::main]
fn main() -> redengine::Result<Session> {
    let log = MemoryLog::new();
    let records = log.clone();
    Session::from_registry()
        .log_store(log)
        .shut_cond("scheduler has run over 10 seconds")
        .on_shutdown(
            move |_: &SchedulerInfo| -> Result<Option<AfterScheduler>, String> {
                let records = records.clone();
                Ok(Some(Box::new(move |_: &SchedulerInfo| {
                    print_summary(&records.records());
                    Ok(())
                })))
            },
        )
        .build()
}
