//! Speed of the `process` executor next to its floor, measured in the same run
//! (the bench rows "task runs/s, `process`" and "dispatch → first line, `process`").
//!
//! ```text
//! cargo run --release -p redengine --example process_bench [runs]
//! ```
//!
//! * **floor**: spawn this binary bare (it exits at the top of `main`, before anything
//!   else) with a piped stderr, read its first line, wait for it. That is the least any
//!   process executor can cost.
//! * **process task**: a session whose only task, `trivial`, runs as a process child,
//!   writes one line to stderr and returns. Launch → first line is measured from the
//!   task's `run` record to the moment its stderr line reaches the scheduler's log facade;
//!   runs/s from the first launch to the last reaped run.
//!
//! The ratio column is process task ÷ floor (latency) and floor ÷ process task (runs/s):
//! the target is at most 2.

use std::io::BufRead;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use redengine::{Execution, MemoryLog, Session, Task};

/// Set in the environment of the bare floor child.
const FLOOR_ENV: &str = "REDENGINE_BENCH_FLOOR";

fn main() -> ExitCode {
    if std::env::var_os(FLOOR_ENV).is_some() {
        eprintln!("first line");
        return ExitCode::SUCCESS;
    }
    if let Some(code) = redengine::run_child_if_requested(session) {
        return code;
    }
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let floor = floor(runs);
    let task = match process_task(runs) {
        Ok(task) => task,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("process executor, {runs} runs each (this machine, same run)");
    println!(
        "{:<34} {:>14} {:>14} {:>8}",
        "", "floor", "process task", "ratio"
    );
    for (what, f, t) in [
        (
            "launch -> first line, median",
            floor.first_line,
            task.first_line,
        ),
        (
            "launch -> first line, p90",
            floor.first_line_p90,
            task.first_line_p90,
        ),
    ] {
        println!(
            "{what:<34} {:>11.3} ms {:>11.3} ms {:>7.2}x",
            ms(f),
            ms(t),
            t.as_secs_f64() / f.as_secs_f64()
        );
    }
    println!(
        "{:<34} {:>14.0} {:>14.0} {:>7.2}x",
        "runs/s",
        floor.per_second,
        task.per_second,
        floor.per_second / task.per_second
    );
    ExitCode::SUCCESS
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

struct Numbers {
    first_line: Duration,
    first_line_p90: Duration,
    per_second: f64,
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let at = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples.get(at).copied().unwrap_or_default()
}

/// Spawn + first line + wait of the bare binary, `runs` times in a row.
fn floor(runs: usize) -> Numbers {
    let exe = std::env::current_exe().expect("the bench binary has a path");
    let mut latencies = Vec::with_capacity(runs);
    let started = Instant::now();
    for _ in 0..runs {
        let launched = Instant::now();
        let mut child = Command::new(&exe)
            .env(FLOOR_ENV, "1")
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("the bench binary starts");
        let mut line = String::new();
        if let Some(stderr) = child.stderr.take() {
            let _ = std::io::BufReader::new(stderr).read_line(&mut line);
        }
        latencies.push(launched.elapsed());
        let _ = child.wait();
    }
    let total = started.elapsed();
    Numbers {
        first_line: percentile(&mut latencies, 0.5),
        first_line_p90: percentile(&mut latencies, 0.9),
        per_second: runs as f64 / total.as_secs_f64(),
    }
}

/// What the scheduler-side logger saw: launch instants and first-line arrivals.
#[derive(Default)]
struct Seen {
    launched: Option<Instant>,
    latencies: Vec<Duration>,
    first: Option<Instant>,
    last: Option<Instant>,
}

static SEEN: OnceLock<Arc<Mutex<Seen>>> = OnceLock::new();

/// Timestamps `run` records and the child's forwarded stderr line as they arrive.
struct Probe;

impl log::Log for Probe {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target() == "redengine::task"
    }

    fn log(&self, record: &log::Record<'_>) {
        if record.target() != "redengine::task" {
            return;
        }
        let now = Instant::now();
        let Some(seen) = SEEN.get() else { return };
        let Ok(mut seen) = seen.lock() else { return };
        let text = record.args().to_string();
        if text.ends_with("status: 'run'") {
            seen.launched = Some(now);
            seen.first.get_or_insert(now);
        } else if text.ends_with("first line") {
            if let Some(at) = seen.launched.take() {
                seen.latencies.push(now - at);
            }
        } else if text.contains("status: 'success'") {
            seen.last = Some(now);
        }
    }

    fn flush(&self) {}
}

static TARGET: AtomicUsize = AtomicUsize::new(0);

/// The session, in the scheduler and in every child (the child needs only the task).
fn session() -> Session {
    let log = MemoryLog::new();
    let counted = log.clone();
    Session::builder()
        .log_store(log)
        .task_execution(Execution::Process)
        .max_process_count(1)
        .custom_poll(Duration::from_millis(1))
        .condition("enough", move |_| {
            let done = counted.records().len() / 2;
            Ok(done >= TARGET.load(Ordering::SeqCst))
        })
        .shut_cond("enough")
        .task(Task::builder("trivial").start_cond("true").run(|_| {
            eprintln!("first line");
        }))
        .build()
        .expect("the bench session builds")
}

/// `runs` runs of the trivial process task, back to back.
fn process_task(runs: usize) -> Result<Numbers, String> {
    TARGET.store(runs, Ordering::SeqCst);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let _ = SEEN.set(Arc::clone(&seen));
    log::set_logger(&Probe).map_err(|e| e.to_string())?;
    log::set_max_level(log::LevelFilter::Info);
    session().run().map_err(|e| e.to_string())?;
    let mut seen = seen.lock().map_err(|e| e.to_string())?;
    let span = match (seen.first, seen.last) {
        (Some(a), Some(b)) => b - a,
        _ => return Err("no run was seen".to_string()),
    };
    Ok(Numbers {
        first_line: percentile(&mut seen.latencies, 0.5),
        first_line_p90: percentile(&mut seen.latencies, 0.9),
        per_second: runs as f64 / span.as_secs_f64(),
    })
}
