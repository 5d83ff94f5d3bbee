//! A scheduler on an SQLite log, as a process of its own (tests/sqlite.rs):
//!
//! * `sqlite_tasks run PATH`: `get_data` runs in every cycle and returns its run number
//!   (printing `value N` first); `slow` starts once (printing `slow started`) and never
//!   finishes. The test kills it with SIGKILL.
//! * `sqlite_tasks check PATH`: one cycle, in which `use_data` prints `seen VALUE`, the
//!   value of `get_data`'s last success as the restarted scheduler gives it.
//! * `sqlite_tasks fill PATH`: appends records until an append fails, then prints
//!   `appended N` and `error MESSAGE` (run under a file size limit).
//! * `sqlite_tasks hold PATH`: opens PATH for appending, prints `ready`, waits for stdin
//!   to close.

use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redengine::{Execution, LogStore, Session, SqliteLog, Task, TaskRecord, Zone};

static RUNS: AtomicU64 = AtomicU64::new(0);

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

fn get_data(start: &str) -> Task {
    Task::builder("get_data")
        .execution(Execution::Main)
        .start_cond(start)
        .run_serde(|_| {
            let n = RUNS.fetch_add(1, Ordering::SeqCst) + 1;
            say(&format!("value {n}"));
            Ok::<u64, String>(n)
        })
}

fn slow(start: &str) -> Task {
    Task::builder("slow")
        .execution(Execution::Thread)
        .start_cond(start)
        .run(|ctx| {
            say("slow started");
            while !ctx.termination().is_set() {
                std::thread::sleep(Duration::from_millis(20));
            }
        })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["run", path] => Session::builder()
            .zone(Zone::Utc)
            .log_sqlite(path)
            .task(slow("true"))
            .task(get_data("true"))
            .build()
            .and_then(|mut s| s.run())
            .map_err(|e| e.to_string()),
        ["check", path] => Session::builder()
            .zone(Zone::Utc)
            .log_sqlite(path)
            .shut_cond("scheduler has more than 1 cycles")
            .task(slow("false"))
            .task(get_data("false"))
            .task(
                Task::builder("use_data")
                    .execution(Execution::Main)
                    .start_cond("true")
                    .returned_from_serde::<u64>("data", "get_data")
                    .run(|ctx| say(&format!("seen {:?}", ctx.returned::<u64>("data")))),
            )
            .build()
            .and_then(|mut s| s.run())
            .map_err(|e| e.to_string()),
        ["fill", path] => {
            fill(path);
            Ok(())
        }
        ["hold", path] => {
            let mut log = SqliteLog::new(*path);
            match log.load() {
                Ok(_) => {
                    say("ready");
                    let mut line = String::new();
                    let _ = std::io::stdin().lock().read_line(&mut line);
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            }
        }
        ["open", path] => SqliteLog::new(*path)
            .load()
            .map(drop)
            .map_err(|e| e.to_string()),
        _ => Err("usage: sqlite_tasks run|check|fill|hold|open PATH".to_owned()),
    };
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

fn fill(path: &str) {
    let mut log = SqliteLog::new(path);
    let at = chrono::DateTime::parse_from_rfc3339("2024-01-01T08:00:00Z").unwrap();
    let mut appended = 0_u64;
    let text = "x".repeat(2000);
    let error = loop {
        let record = TaskRecord::finish("filler", redengine::Action::Fail, at, at, text.clone());
        match log.append(&record) {
            Ok(()) => appended += 1,
            Err(e) => break e,
        }
    };
    say(&format!("appended {appended}"));
    say(&format!("error {error}"));
    if std::env::var_os("DEBUG_SOURCE").is_some() {
        say(&format!("{:?}", std::error::Error::source(&error)));
    }
}
