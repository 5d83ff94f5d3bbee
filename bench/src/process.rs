//! Rows of the `process` executor: runs per second, dispatch latency and the a→b→c
//! pipeline, each run in a child process (this binary re-executed by the scheduler).
//!
//! A child cannot share memory with the scheduler, so bodies stamp the wall clock
//! (`CLOCK_REALTIME`, the same for every process) as `tag nanos` lines into a file named
//! after the scheduler's pid, the child's parent. The scheduler counts finish records in
//! its log store and shuts down after the requested number of runs.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use redengine::{
    Action, Execution, LogError, LogStore, MemoryLog, Session, SessionHandle, Task, TaskRecord,
    Zone,
};

use crate::probe::{median, secs};

/// The stamp file of the scheduler with pid `pid`.
fn stamp_file(pid: u32) -> PathBuf {
    std::env::temp_dir().join(format!("redengine-bench-{pid}-stamps.txt"))
}

/// Appends `tag nanos` for the current instant (one write, so lines never interleave).
fn stamp(tag: &str) {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = stamp_file(std::os::unix::process::parent_id());
    let line = format!("{tag} {nanos}\n");
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        eprintln!("bench child: cannot write {}: {e}", path.display());
    }
}

/// A process task named `name`.
fn task(name: &str) -> redengine::TaskBuilder {
    Task::builder(name).execution(Execution::Process)
}

/// The child's version of `name`: stamps `name` (or does nothing).
fn body(name: &'static str, stamps: bool) -> Task {
    task(name).run(move |_| {
        if stamps {
            stamp(name);
        }
    })
}

/// The session a process child builds (`run_child_if_requested`): the same task names
/// and bodies as the scenarios below; conditions do not matter in a child.
pub(crate) fn child_session() -> redengine::Result<Session> {
    Session::builder()
        .log_memory()
        .task(body("work", false))
        .task(body("a", true))
        .task(body("b", true))
        .task(body("c", true))
        .build()
}

/// A memory log that shuts the session down after `limit` finish records of `task`.
struct Counting {
    inner: MemoryLog,
    task: &'static str,
    limit: usize,
    seen: Arc<AtomicUsize>,
    handle: Arc<OnceLock<SessionHandle>>,
}

impl LogStore for Counting {
    fn load(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        self.inner.load()
    }

    fn append(&mut self, record: &TaskRecord) -> Result<(), LogError> {
        if record.task_name == self.task && record.action != Action::Run {
            if record.action != Action::Success {
                eprintln!(
                    "bench: process run of '{}' ended {}: {}",
                    self.task, record.action, record.exc_text
                );
            }
            if self.seen.fetch_add(1, Ordering::Relaxed) + 1 >= self.limit {
                if let Some(h) = self.handle.get() {
                    h.shutdown();
                }
            }
        }
        self.inner.append(record)
    }

    fn sync(&mut self) -> Result<(), LogError> {
        self.inner.sync()
    }

    fn describe(&self) -> String {
        "bench counting memory log".to_string()
    }
}

/// Runs `tasks` until `last` finished `limit` times; returns the finished count and the
/// wall time of `run()`.
fn run(tasks: Vec<Task>, last: &'static str, limit: usize) -> Result<(usize, f64), String> {
    let handle = Arc::new(OnceLock::new());
    let seen = Arc::new(AtomicUsize::new(0));
    let store = Counting {
        inner: MemoryLog::new(),
        task: last,
        limit,
        seen: Arc::clone(&seen),
        handle: Arc::clone(&handle),
    };
    let mut session = Session::builder()
        .zone(Zone::Utc)
        .log_store(store)
        .with_tasks(tasks)
        .build()
        .map_err(|e| e.to_string())?;
    let _ = handle.set(session.handle());
    let _ = std::fs::remove_file(stamp_file(std::process::id()));
    let start = Instant::now();
    session.run().map_err(|e| e.to_string())?;
    Ok((seen.load(Ordering::Relaxed), secs(start.elapsed())))
}

/// The stamps of the last scenario: `(tag, nanos)` in file order.
fn stamps() -> Result<Vec<(String, u128)>, String> {
    let path = stamp_file(std::process::id());
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read the children's stamps {}: {e}", path.display()))?;
    let _ = std::fs::remove_file(&path);
    Ok(text
        .lines()
        .filter_map(|l| {
            let (tag, ns) = l.split_once(' ')?;
            Some((tag.to_string(), ns.parse().ok()?))
        })
        .collect())
}

/// Median gaps in ms from each `from` stamp to the next `to` stamp.
fn gaps(from: &str, to: &str) -> Result<f64, String> {
    let mut open = None;
    let mut out = Vec::new();
    for (tag, ns) in stamps()? {
        if tag == from {
            open = Some(ns);
        } else if tag == to {
            if let Some(at) = open.take() {
                out.push(ns.saturating_sub(at) as f64 / 1e6);
            }
        }
    }
    if out.is_empty() {
        return Err(format!("no `{from}` → `{to}` pair was stamped"));
    }
    Ok(median(out))
}

/// Runs per second of one `process` task with `start_cond = "true"`.
pub(crate) fn throughput(runs: usize) -> Result<f64, String> {
    let work = task("work").start_cond("true").run(|_| ());
    let (done, took) = run(vec![work], "work", runs)?;
    Ok(done as f64 / took)
}

/// Median ms from `a`'s stamp to `b`'s (`a` after `b` finished, `b` after `a` succeeded).
pub(crate) fn dispatch(rounds: usize) -> Result<f64, String> {
    let a = task("a")
        .start_cond("after task 'b' finished")
        .force_run(true)
        .run(|_| stamp("a"));
    let b = task("b")
        .start_cond("after task 'a' succeeded")
        .run(|_| stamp("b"));
    run(vec![a, b], "b", rounds)?;
    gaps("a", "b")
}

/// Median ms from `a`'s stamp to `c`'s in a→b→c.
pub(crate) fn pipeline(rounds: usize) -> Result<f64, String> {
    let a = task("a")
        .start_cond("after task 'c' finished")
        .force_run(true)
        .run(|_| stamp("a"));
    let b = task("b")
        .start_cond("after task 'a' succeeded")
        .run(|_| stamp("b"));
    let c = task("c")
        .start_cond("after task 'b' succeeded")
        .run(|_| stamp("c"));
    run(vec![a, b, c], "c", rounds)?;
    gaps("a", "c")
}
