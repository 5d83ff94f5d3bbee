//! cluster: the worker queue's rows: the worker tasks every scenario shares, the leader
//! run in this process until the scenario is done, runs per second through the queue,
//! and the dispatch latency a worker run adds over a local process run.

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redengine::{Execution, Session, SessionBuilder, Task, Zone};

use super::{pg, Procs, STAMPS_ENV, TASKS};
use crate::probe::{median, secs};

/// Appends `tag nanos` (wall clock) to the stamp file of the dispatch rows.
fn stamp(tag: &str) {
    let Ok(path) = std::env::var(STAMPS_ENV) else {
        return;
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(format!("{tag} {nanos}\n").as_bytes()));
    if let Err(e) = written {
        eprintln!("bench worker child: cannot write {path}: {e}");
    }
}

/// The worker tasks of every scenario, `start_cond` left to the leader: `w0…` do
/// nothing, `a` and `b` stamp.
fn worker_tasks() -> Vec<Task> {
    let mut tasks: Vec<Task> = (0..TASKS)
        .map(|i| {
            Task::builder(format!("w{i}"))
                .execution(Execution::Worker)
                .start_cond("true")
                .run(|_| ())
        })
        .collect();
    tasks.push(
        Task::builder("a")
            .execution(Execution::Worker)
            .start_cond("after task 'b' finished")
            .force_run(true)
            .run(|_| stamp("a")),
    );
    tasks.push(
        Task::builder("b")
            .execution(Execution::Worker)
            .start_cond("after task 'a' succeeded")
            .run(|_| stamp("b")),
    );
    tasks
}

/// The program of a worker and of its run children. A worker runs at most
/// `max_process_count` runs at once, left at its default (one per CPU) as a deployment
/// would: more children than CPUs only make them wait for each other (8 each gave 4
/// workers on 2 cores 450 runs/s instead of 520).
pub(super) fn worker_session() -> SessionBuilder {
    Session::builder()
        .zone(Zone::Utc)
        .with_tasks(worker_tasks())
}

/// Runs the leader of `tasks` on `url` in this process until `done` (polled on its own
/// connection every 10 ms) returns a value, or `within` passes.
fn lead<T: Send + 'static>(
    url: &str,
    tasks: Vec<Task>,
    within: Duration,
    mut done: impl FnMut(&mut postgres::Client) -> Result<Option<T>, String> + Send + 'static,
) -> Result<T, String> {
    let mut session = Session::builder()
        .zone(Zone::Utc)
        .log_postgres(url)
        .handle_signals(false)
        .with_tasks(tasks)
        .build()
        .map_err(|e| e.to_string())?;
    let handle = session.handle();
    let url = url.to_owned();
    let monitor = std::thread::spawn(move || {
        let result = (|| {
            let mut client = postgres::Client::connect(&url, postgres::NoTls)
                .map_err(|e| format!("cannot connect to the bench's server: {e}"))?;
            let deadline = Instant::now() + within;
            loop {
                if let Some(value) = done(&mut client)? {
                    return Ok(value);
                }
                if Instant::now() > deadline {
                    return Err(format!("not done within {within:?}"));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })();
        handle.shutdown();
        result
    });
    let ran = session.run().map_err(|e| e.to_string());
    let result = monitor
        .join()
        .map_err(|_| "the bench's monitor panicked".to_owned())?;
    ran?;
    result
}

/// Finish records of `action` in the log (the leader's table, read while it runs).
fn finished(client: &mut postgres::Client, action: &str) -> Result<i64, String> {
    client
        .query_one(
            "SELECT count(*) FROM redengine_records WHERE action = $1",
            &[&action],
        )
        .map(|r| r.get(0))
        .or_else(|e| {
            // The leader creates the tables: none yet is none finished.
            if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) {
                Ok(0)
            } else {
                Err(e.to_string())
            }
        })
}

/// Runs per second through the queue with `workers` workers: the leader keeps [`TASKS`]
/// worker tasks queued, and the rate is taken over `runs` successes after a warm-up.
pub(crate) fn queue_rate(workers: usize, runs: i64) -> Result<f64, String> {
    let url = pg::try_database("bench_queue")?;
    let _workers = Procs::workers(&url, workers, None)?;
    let tasks: Vec<Task> = worker_tasks().into_iter().take(TASKS).collect();
    let warm = 2 * TASKS as i64;
    let mut from: Option<(Instant, i64)> = None;
    lead(&url, tasks, Duration::from_secs(180), move |c| {
        let n = finished(c, "success")?;
        let failed = finished(c, "fail")? + finished(c, "crash")?;
        if failed > 0 {
            return Err(format!("{failed} queued runs did not succeed"));
        }
        match from {
            None if n >= warm => from = Some((Instant::now(), n)),
            Some((at, n0)) if n >= n0 + runs => {
                return Ok(Some((n - n0) as f64 / secs(at.elapsed())));
            }
            _ => {}
        }
        Ok(None)
    })
}

/// The dispatch latency (ms) of a worker run minus that of a local process run: the
/// median from `a`'s stamp to `b`'s (`b` after `a` succeeded, `a` after `b` finished),
/// both on one worker, against the same scenario with `process` tasks (the `process`
/// rows' scenario, measured again here).
pub(crate) fn dispatch_added(rounds: i64) -> Result<(f64, f64), String> {
    let url = pg::try_database("bench_dispatch")?;
    let stamps = std::env::temp_dir().join(format!(
        "redengine-bench-cluster-{}-stamps.txt",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&stamps);
    let _worker = Procs::workers(&url, 1, Some(&stamps))?;
    let tasks: Vec<Task> = worker_tasks().into_iter().skip(TASKS).collect();
    lead(&url, tasks, Duration::from_secs(180), move |c| {
        let n: i64 = c
            .query_one(
                "SELECT count(*) FROM redengine_records WHERE task = 'b' AND action = 'success'",
                &[],
            )
            .map(|r| r.get(0))
            .unwrap_or(0);
        Ok((n >= rounds).then_some(()))
    })?;
    let text = std::fs::read_to_string(&stamps)
        .map_err(|e| format!("cannot read the stamps {}: {e}", stamps.display()))?;
    let _ = std::fs::remove_file(&stamps);
    let mut open = None;
    let mut gaps = Vec::new();
    for (tag, ns) in text.lines().filter_map(|l| {
        let (tag, ns) = l.split_once(' ')?;
        Some((tag, ns.parse::<u128>().ok()?))
    }) {
        match tag {
            "a" => open = Some(ns),
            "b" => {
                if let Some(at) = open.take() {
                    gaps.push(ns.saturating_sub(at) as f64 / 1e6);
                }
            }
            _ => {}
        }
    }
    if gaps.is_empty() {
        return Err("no `a` → `b` pair was stamped".to_owned());
    }
    let worker = median(gaps);
    let process = crate::process::dispatch(rounds as usize)?;
    Ok((worker - process, worker))
}
