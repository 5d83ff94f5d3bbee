//! Return types are read on the concrete type in a process child too: an alias of
//! `Result` fails with its error's source chain, and its `Ok` value crosses back to the
//! scheduler for a `Return` binding. Real child processes (this binary, re-executed).

use std::process::ExitCode;
use std::sync::Mutex;

use redengine::{Action, MemoryLog, Session, Terminated};

type MyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[derive(Debug)]
struct Fetch(std::io::Error);

impl std::fmt::Display for Fetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cannot fetch")
    }
}

impl std::error::Error for Fetch {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[redengine::task(execution = "process")]
fn produce() -> MyResult<Vec<u32>> {
    Ok(vec![4, 2])
}

#[redengine::task(execution = "process")]
fn refuse() -> MyResult<()> {
    Err(Box::new(Fetch(std::io::Error::other("connection refused"))))
}

#[redengine::task(execution = "process")]
fn stop() -> Result<(), Terminated> {
    Err(Terminated)
}

static RECEIVED: Mutex<Option<Vec<u32>>> = Mutex::new(None);

#[redengine::task(execution = "main", params(data = Return("produce")))]
fn consume(data: Option<Vec<u32>>) {
    *RECEIVED.lock().unwrap() = data;
}

/// What a child builds: the same tasks (its log is not the parent's).
fn child() -> Session {
    Session::from_registry()
        .log_memory()
        .build()
        .expect("valid session")
}

fn main() -> ExitCode {
    if let Some(code) = redengine::run_child_if_requested(child) {
        return code;
    }
    let log = MemoryLog::new();
    let mut session = Session::from_registry()
        .log_store(log.clone())
        // All three children in the one cycle, whatever the CPU count.
        .config("max_process_count", 3)
        .build()
        .expect("valid session");
    session
        .run_tasks(["produce", "refuse", "stop"], false)
        .expect("runs");
    session.run_tasks(["consume"], false).expect("runs");
    let finished: Vec<(String, Action, String)> = log
        .records()
        .into_iter()
        .filter(|r| r.action != Action::Run)
        .map(|r| (r.task_name, r.action, r.exc_text))
        .collect();
    let of = |task: &str| {
        finished
            .iter()
            .find(|(name, _, _)| name == task)
            .map(|(_, action, text)| (*action, text.clone()))
    };
    assert_eq!(of("produce"), Some((Action::Success, String::new())));
    assert_eq!(
        of("refuse"),
        Some((
            Action::Fail,
            "cannot fetch\nCaused by: connection refused".to_string()
        ))
    );
    assert_eq!(of("stop").map(|(action, _)| action), Some(Action::Terminate));
    assert_eq!(*RECEIVED.lock().unwrap(), Some(vec![4, 2]));
    ExitCode::SUCCESS
}
