//! Rows about running tasks: runs per second, the latency from an upstream task's last
//! line to its dependent's first line, and an a→b→c pipeline end to end.
//!
//! Every scenario is a real session on the real clock; bodies stamp `Instant`s into shared
//! slots and the last one shuts the session down through its handle.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use redengine::{Execution, Session, SessionBuilder, SessionHandle, Task, Zone};

use crate::probe::{median, secs};

/// Where the scenario logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogKind {
    Memory,
    Csv,
}

/// A handle the bodies can reach once the session is built.
type Late = Arc<OnceLock<SessionHandle>>;

fn stop(late: &Late) {
    if let Some(h) = late.get() {
        h.shutdown();
    }
}

fn base(log: LogKind, csv: &Path) -> SessionBuilder {
    let builder = Session::builder().zone(Zone::Utc);
    match log {
        LogKind::Memory => builder.log_memory(),
        LogKind::Csv => builder.log_csv(csv),
    }
}

fn temp_csv(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "redengine-bench-{}-{tag}/tasks.csv",
        std::process::id()
    ))
}

fn remove_csv(path: &Path) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn run_session(builder: SessionBuilder, late: &Late) -> Result<(), String> {
    let mut session = builder.build().map_err(|e| e.to_string())?;
    let _ = late.set(session.handle());
    session.run().map_err(|e| e.to_string())
}

/// The start condition of the first task of a round: after the round's last task
/// finished, so rounds never overlap. A `main` round can finish within the microsecond
/// its first task started, and `after task` counts only an upstream finish strictly later
/// than the owner's last start, at the log's microsecond precision (docs/conditions.md),
/// which would stall the ping-pong; `main` rounds cannot overlap
/// anyway (one cycle runs `a`, then its dependents, in check order), so `a` is `true`.
fn upstream_cond(execution: Execution, last: &str) -> String {
    if execution == Execution::Main {
        "true".to_string()
    } else {
        format!("after task '{last}' finished")
    }
}

/// Task runs per second of one task with `start_cond = "true"`, `runs` runs, from the
/// call of `run()` to its return.
pub(crate) fn throughput(execution: Execution, log: LogKind, runs: usize) -> Result<f64, String> {
    let csv = temp_csv("throughput");
    let late: Late = Arc::new(OnceLock::new());
    let count = Arc::new(AtomicUsize::new(0));
    let (l, c) = (Arc::clone(&late), Arc::clone(&count));
    let task = Task::builder("work")
        .start_cond("true")
        .execution(execution)
        .run(move |_| {
            if c.fetch_add(1, Ordering::Relaxed) + 1 == runs {
                stop(&l);
            }
        });
    let start = Instant::now();
    let result = run_session(base(log, &csv).task(task), &late);
    let took = start.elapsed();
    remove_csv(&csv);
    result?;
    let done = count.load(Ordering::Relaxed);
    Ok(done as f64 / secs(took))
}

/// Median microseconds from `a`'s last line to `b`'s first line, `a` and `b` taking
/// turns (`a` after `b` finished, `b` after `a` succeeded), `rounds` times.
pub(crate) fn dispatch(execution: Execution, rounds: usize) -> Result<f64, String> {
    let csv = temp_csv("dispatch");
    let late: Late = Arc::new(OnceLock::new());
    let a_end = Arc::new(Mutex::new(None::<Instant>));
    let gaps = Arc::new(Mutex::new(Vec::<f64>::with_capacity(rounds)));
    let end = Arc::clone(&a_end);
    let a = Task::builder("a")
        .start_cond(upstream_cond(execution, "b"))
        .force_run(true)
        .execution(execution)
        .run(move |_| {
            if let Ok(mut slot) = end.lock() {
                *slot = Some(Instant::now());
            }
        });
    let (end, g, l) = (Arc::clone(&a_end), Arc::clone(&gaps), Arc::clone(&late));
    let b = Task::builder("b")
        .start_cond("after task 'a' succeeded")
        .execution(execution)
        .run(move |_| {
            let first = Instant::now();
            let upstream = end.lock().ok().and_then(|mut s| s.take());
            if let (Some(at), Ok(mut g)) = (upstream, g.lock()) {
                g.push(secs(first - at) * 1e6);
                if g.len() >= rounds {
                    stop(&l);
                }
            }
        });
    let result = run_session(base(LogKind::Memory, &csv).task(a).task(b), &late);
    result?;
    let gaps = gaps.lock().map_err(|e| e.to_string())?.clone();
    Ok(median(gaps))
}

/// Median milliseconds from `a`'s first line to `c`'s last line in a→b→c, `rounds` times
/// (`a` starts again after `c` finished).
pub(crate) fn pipeline(execution: Execution, rounds: usize) -> Result<f64, String> {
    let csv = temp_csv("pipeline");
    let late: Late = Arc::new(OnceLock::new());
    let a_start = Arc::new(Mutex::new(None::<Instant>));
    let spans = Arc::new(Mutex::new(Vec::<f64>::with_capacity(rounds)));
    let start = Arc::clone(&a_start);
    let a = Task::builder("a")
        .start_cond(upstream_cond(execution, "c"))
        .force_run(true)
        .execution(execution)
        .run(move |_| {
            if let Ok(mut slot) = start.lock() {
                *slot = Some(Instant::now());
            }
        });
    let b = Task::builder("b")
        .start_cond("after task 'a' succeeded")
        .execution(execution)
        .run(|_| ());
    let (start, s, l) = (Arc::clone(&a_start), Arc::clone(&spans), Arc::clone(&late));
    let c = Task::builder("c")
        .start_cond("after task 'b' succeeded")
        .execution(execution)
        .run(move |_| {
            let upstream = start.lock().ok().and_then(|mut slot| slot.take());
            let last = Instant::now();
            if let (Some(at), Ok(mut s)) = (upstream, s.lock()) {
                s.push(secs(last - at) * 1e3);
                if s.len() >= rounds {
                    stop(&l);
                }
            }
        });
    let result = run_session(base(LogKind::Memory, &csv).task(a).task(b).task(c), &late);
    result?;
    let spans = spans.lock().map_err(|e| e.to_string())?.clone();
    Ok(median(spans))
}
