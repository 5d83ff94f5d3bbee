//! Process tasks with serializable arguments and return values compile, including
//! `Return` bindings, `#[param]` functions and a `TerminationFlag`.

use redengine::{Session, TerminationFlag};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Report {
    rows: Vec<u32>,
}

#[redengine::param]
fn threshold() -> f64 {
    0.5
}

#[redengine::task(start_cond = "daily", execution = "process")]
fn produce() -> Report {
    Report { rows: vec![1, 2] }
}

#[redengine::task(
    start_cond = "after task 'produce'",
    execution = "process",
    timeout = "never",
    params(report = Return("produce"), label = "x".to_string())
)]
fn consume(
    report: Option<Report>,
    threshold: f64,
    label: String,
    flag: TerminationFlag,
) -> Result<usize, String> {
    let _ = (threshold, label, flag.is_set());
    Ok(report.map_or(0, |r| r.rows.len()))
}

#[redengine::main]
fn main() -> Session {
    Session::from_registry()
        .log_memory()
        .shut_cond("true")
        .build()
        .expect("valid")
}
