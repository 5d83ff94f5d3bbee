//! What a `#[task]`'s return value logs is decided on the concrete type, not on how the
//! type is spelled: an alias of `Result` is a `Result`, `Err(Terminated)` is a
//! termination, and every error shape keeps its source chain.

use std::error::Error;
use std::fmt;
use std::sync::Mutex;

use redengine::{Action, Inaction, MemoryLog, Session, Terminated};

type MyResult<T> = Result<T, String>;

/// An `anyhow::Error` look-alike: not a `std::error::Error` itself, but it derefs to one.
#[derive(Debug)]
struct AnyError(Box<dyn Error + Send + Sync>);

impl fmt::Display for AnyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl AsRef<dyn Error + Send + Sync> for AnyError {
    fn as_ref(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.0
    }
}

type AnyResult<T> = Result<T, AnyError>;

/// An error with a source, to see the chain.
#[derive(Debug)]
struct Fetch(std::io::Error);

impl fmt::Display for Fetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot fetch the data")
    }
}

impl Error for Fetch {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

fn refused() -> Fetch {
    Fetch(std::io::Error::new(
        std::io::ErrorKind::ConnectionRefused,
        "connection refused",
    ))
}

const CHAIN: &str = "cannot fetch the data\nCaused by: connection refused";

#[redengine::task(execution = "main")]
fn alias_fails() -> MyResult<()> {
    Err("boom".to_string())
}

#[redengine::task(execution = "main")]
fn io_fails() -> std::io::Result<()> {
    Err(std::io::Error::other("disk full"))
}

#[redengine::task(execution = "main")]
fn anyhow_style_fails() -> AnyResult<()> {
    Err(AnyError(Box::new(refused())))
}

#[redengine::task(execution = "thread")]
fn boxed_fails() -> Result<(), Box<dyn Error>> {
    Err(Box::new(refused()))
}

#[redengine::task(execution = "main")]
fn stops() -> Result<(), Terminated> {
    Err(Terminated)
}

#[redengine::task(execution = "thread")]
fn nothing_to_do() -> Result<u32, Inaction> {
    Err(Inaction)
}

#[redengine::task(execution = "main")]
fn alias_value() -> MyResult<u32> {
    Ok(7)
}

static RECEIVED: Mutex<Vec<Option<u32>>> = Mutex::new(Vec::new());

#[redengine::task(execution = "main", params(value = Return("alias_value")))]
fn receives(value: Option<u32>) {
    RECEIVED.lock().unwrap().push(value);
}

/// Runs `tasks` once, now, in definition order, and returns each one's final record:
/// name, action and error text.
fn run(tasks: &[&str]) -> Vec<(String, Action, String)> {
    let log = MemoryLog::new();
    let mut session = Session::from_registry()
        .log_store(log.clone())
        .build()
        .expect("valid session");
    session
        .run_tasks(tasks.iter().copied(), false)
        .expect("runs");
    log.records()
        .into_iter()
        .filter(|r| r.action != Action::Run)
        .map(|r| (r.task_name, r.action, r.exc_text))
        .collect()
}

fn fail(text: &str) -> (Action, String) {
    (Action::Fail, text.to_string())
}

#[test]
fn result_aliases_fail_and_keep_their_error_chain() {
    let got = run(&[
        "alias_fails",
        "io_fails",
        "anyhow_style_fails",
        "boxed_fails",
    ]);
    let mut got: Vec<(String, Action, String)> = got;
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let got: Vec<(Action, String)> = got.into_iter().map(|(_, a, t)| (a, t)).collect();
    // By task name: alias_fails, anyhow_style_fails, boxed_fails, io_fails.
    assert_eq!(
        got,
        [fail("boom"), fail(CHAIN), fail(CHAIN), fail("disk full")]
    );
}

#[test]
fn stop_markers_as_errors_log_their_action() {
    let got = run(&["stops", "nothing_to_do"]);
    let mut actions: Vec<(&str, Action)> = got.iter().map(|(n, a, _)| (n.as_str(), *a)).collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            ("nothing_to_do", Action::Inaction),
            ("stops", Action::Terminate)
        ]
    );
}

#[test]
fn an_alias_keeps_its_ok_value_for_return_bindings() {
    let got = run(&["alias_value", "receives"]);
    assert!(got.iter().all(|(_, a, _)| *a == Action::Success), "{got:?}");
    assert_eq!(*RECEIVED.lock().unwrap(), [Some(7)]);
}
