//! A scheduler binary for `tests/instances.rs`: a `process` task with `max_instances = 2`
//! whose two runs must be alive at once.
//!
//! `RE_LOG` is the CSV log, `RE_OUT` a directory where each run leaves a file named after
//! its process id. The children build the same session from the same environment.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use redengine::{Execution, Session, Task};

fn out() -> PathBuf {
    PathBuf::from(std::env::var_os("RE_OUT").unwrap_or_default())
}

/// Leaves its mark, then waits (bounded) for a second run's; alone, it fails.
fn pair() -> Result<(), String> {
    std::fs::create_dir_all(out()).map_err(|e| e.to_string())?;
    std::fs::write(out().join(std::process::id().to_string()), "").map_err(|e| e.to_string())?;
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        let marks = std::fs::read_dir(out()).map_err(|e| e.to_string())?.count();
        if marks >= 2 {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err("ran alone".to_string())
}

#[redengine::main]
fn main() -> redengine::Result<Session> {
    Session::builder()
        .log_csv(std::env::var_os("RE_LOG").unwrap_or_else(|| "log/tasks.csv".into()))
        .task(
            Task::builder("pair")
                .execution(Execution::Process)
                .start_cond("has started less than 2 times")
                .max_instances(2)
                .run(|_| pair()),
        )
        .shut_cond("task 'pair' has finished more than 1 time")
        .build()
}
