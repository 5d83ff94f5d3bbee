//! A scheduler start-up on a CSV log, as a process of its own: for the instance lock
//! (tests/log_lock.rs) and for measuring what reading a long log costs.
//!
//! * `log_startup gen PATH ROWS TASKS` writes a log of ROWS rows (run/success pairs)
//!   spread over TASKS task names;
//! * `log_startup start PATH` starts a scheduler on PATH (no tasks, shuts down after its
//!   start-up) and prints `startup_ms=… peak_rss_kib=…`; on failure it prints
//!   the error on stderr and exits with 1;
//! * `log_startup hold PATH` opens PATH as a scheduler does (taking its lock), prints
//!   `ready`, and waits until its stdin closes.

use std::io::{BufRead, Write};
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use redengine::{CsvLog, Execution, LogStore, ManualClock, Session, Zone};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["gen", path, rows, tasks] => generate(path, rows, tasks),
        ["start", path] => start(path),
        ["hold", path] => hold(path),
        _ => Err("usage: log_startup gen PATH ROWS TASKS | start PATH | hold PATH".into()),
    };
    if let Err(e) = code {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

fn epoch() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn generate(path: &str, rows: &str, tasks: &str) -> Result<(), String> {
    let rows: u64 = rows.parse().map_err(|_| format!("ROWS: `{rows}`"))?;
    let tasks: u64 = tasks.parse().map_err(|_| format!("TASKS: `{tasks}`"))?;
    let file = std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = std::io::BufWriter::new(file);
    let fmt = "%Y-%m-%dT%H:%M:%S%.6f%:z";
    let mut write = || -> std::io::Result<()> {
        out.write_all(b"task_name,created,action,start,end,runtime,message,exc_text\n")?;
        for pair in 0..rows / 2 {
            let task = format!("task_{:04}", pair % tasks.max(1));
            let start = epoch() + TimeDelta::seconds(pair as i64);
            let end = start + TimeDelta::milliseconds(250);
            let (s, e) = (start.format(fmt), end.format(fmt));
            writeln!(out, "{task},{s},run,{s},,,Task '{task}' status: 'run',")?;
            writeln!(
                out,
                "{task},{e},success,{s},{e},0.250000,Task '{task}' status: 'success',"
            )?;
        }
        out.flush()
    };
    write().map_err(|e| format!("{path}: {e}"))
}

fn start(path: &str) -> Result<(), String> {
    let clock = ManualClock::new(epoch() + TimeDelta::days(3650));
    let began = Instant::now();
    let mut session = Session::builder()
        .clock(clock)
        .zone(Zone::Utc)
        .log_csv(path)
        .task_execution(Execution::Main)
        .shut_cond("true")
        .build()
        .map_err(|e| e.to_string())?;
    session.run().map_err(|e| e.to_string())?;
    let elapsed = began.elapsed();
    println!(
        "startup_ms={:.1} peak_rss_kib={}",
        elapsed.as_secs_f64() * 1e3,
        peak_rss_kib()
    );
    Ok(())
}

fn hold(path: &str) -> Result<(), String> {
    let mut log = CsvLog::new(path);
    log.load().map_err(|e| e.to_string())?;
    println!("ready");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    let mut line = String::new();
    while std::io::stdin().lock().read_line(&mut line).unwrap_or(0) > 0 {
        line.clear();
    }
    Ok(())
}

/// The peak resident set of this process in KiB (Linux `VmHWM`), 0 where unknown.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}
