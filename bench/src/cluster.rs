//! cluster: rows of a scheduler cluster on a real PostgreSQL server (docs/cluster.md):
//! runs per second through the worker queue with 1, 2 and 4 workers, leader failover
//! time over 10 failovers with the default lease ([`failover`]), the dispatch latency a
//! worker run adds over a local process run, and what one leader costs ([`leader`]:
//! appends per second, a cycle in which many tasks' input changed).
//!
//! The server is the tests' throw-away one (`tests/common/pg.rs`, included here by path
//! so there is one helper): `initdb` in a temporary directory, 127.0.0.1, a free port,
//! stopped and deleted when the bench exits. Without the PostgreSQL binaries these rows
//! say why in their note instead of failing the bench.
//!
//! The leader of the queue rows runs in this process; workers and failover nodes are
//! this binary re-executed with [`ROLE_ENV`] set (see [`child_if_requested`]), and the
//! workers' run children re-execute it once more, as every process child does.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redengine::{Execution, Session, SessionBuilder, Task, Zone};

use crate::probe::{median, secs};
use crate::report::{Row, Target, Unit};
use crate::Samples;

mod failover;
mod leader;
#[allow(dead_code, unreachable_pub, clippy::all)]
#[path = "../../tests/common/pg.rs"]
mod pg;

/// What a re-executed bench process is: `worker` or `node`.
const ROLE_ENV: &str = "REDENGINE_BENCH_CLUSTER";
/// The cluster's database URL, for workers and nodes.
const URL_ENV: &str = "REDENGINE_BENCH_CLUSTER_URL";
/// The stamp file of the dispatch rows, for the workers' run children.
const STAMPS_ENV: &str = "REDENGINE_BENCH_CLUSTER_STAMPS";

/// Worker tasks kept busy at once by the throughput rows (each re-queued as it ends).
const TASKS: usize = 64;

/// In a re-executed bench process: be a worker, a failover node, or a worker's run
/// child, and exit with the returned code. `None` in the bench itself.
pub(crate) fn child_if_requested() -> Option<ExitCode> {
    let role = std::env::var(ROLE_ENV).ok()?;
    if let Some(code) = redengine::run_child_if_requested(worker_session) {
        return Some(code);
    }
    let url = std::env::var(URL_ENV).unwrap_or_default();
    Some(match role.as_str() {
        "worker" => redengine::run_cli_with_args(
            ["redengine-bench", "--log", &url, "worker"].map(std::ffi::OsString::from),
            worker_session,
        ),
        "node" => match failover::node(&url) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: bench cluster node: {e}");
                ExitCode::FAILURE
            }
        },
        other => {
            eprintln!("error: {ROLE_ENV}={other} is not a bench cluster role");
            ExitCode::from(2)
        }
    })
}

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
fn worker_session() -> SessionBuilder {
    Session::builder()
        .zone(Zone::Utc)
        .with_tasks(worker_tasks())
}

/// Child processes killed (SIGKILL) and reaped when dropped.
struct Procs(Vec<Child>);

impl Procs {
    fn spawn(role: &str, url: &str, stamps: Option<&PathBuf>) -> Result<Child, String> {
        let exe = std::env::current_exe().map_err(|e| format!("no current exe: {e}"))?;
        let mut cmd = Command::new(exe);
        cmd.env(ROLE_ENV, role)
            .env(URL_ENV, url)
            .env("REDENGINE_LOG", "error")
            .stdin(Stdio::null())
            .stdout(if role == "node" {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stderr(Stdio::inherit());
        if let Some(path) = stamps {
            cmd.env(STAMPS_ENV, path);
        }
        cmd.spawn()
            .map_err(|e| format!("cannot start a {role}: {e}"))
    }

    fn workers(url: &str, n: usize, stamps: Option<&PathBuf>) -> Result<Procs, String> {
        let mut procs = Procs(Vec::new());
        for _ in 0..n {
            procs.0.push(Procs::spawn("worker", url, stamps)?);
        }
        Ok(procs)
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
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

/// One interleaved run of this module's measurements.
pub(crate) fn measure(s: &mut Samples) {
    s.take("cluster_append", || leader::append_rate(5_000));
    s.take("cluster_changed_1k", || leader::changed_cycle(1_000));
    s.take("cluster_changed_10k", || leader::changed_cycle(10_000));
    // The floor of the queue rows: a worker runs each run as a local process child.
    s.take("cluster_process_floor", || crate::process::throughput(300));
    s.take("cluster_queue_1w", || queue_rate(1, 500));
    s.take("cluster_queue_2w", || queue_rate(2, 500));
    s.take("cluster_queue_4w", || queue_rate(4, 500));
    if s.wanted("cluster_dispatch_added") || s.wanted("cluster_dispatch_worker") {
        let got = dispatch_added(50);
        s.take("cluster_dispatch_added", || got.clone().map(|g| g.0));
        s.take("cluster_dispatch_worker", || got.map(|g| g.1));
    }
    if s.wanted("cluster_failover_median") || s.wanted("cluster_failover_max") {
        let got = failover::failover(10);
        s.take("cluster_failover_median", || got.clone().map(|g| g.0));
        s.take("cluster_failover_max", || got.map(|g| g.1));
    }
}

/// This module's rows.
pub(crate) fn rows(s: &Samples) -> Vec<Row> {
    let g = |k: &str| s.get(k);
    let queue = |key: &'static str, workers: usize| {
        Row::new(
            key,
            format!(
                "runs/s through the worker queue, {workers} worker{} (default \
                 max_process_count: one run per CPU each), leader and workers on this machine",
                if workers == 1 { "" } else { "s" }
            ),
            Unit::RunsPerSec,
            g(key),
            // The target is for 4 workers; 1 and 2 show how it scales.
            Target::AtLeast(if workers == 4 { 500.0 } else { 0.0 }),
            // Floor: the local `process` executor's runs/s, measured in the same run:
            // every worker run is such a child too.
            g("cluster_process_floor"),
        )
    };
    let mut rows = vec![
        Row::new(
            "cluster_append",
            "records/s appended, PostgreSQL log, one leader connection, a commit each \
             (the bench's throw-away server runs with fsync off)",
            Unit::RunsPerSec,
            g("cluster_append"),
            // Informational: the write bound of one leader (docs/cluster.md).
            Target::AtLeast(0.0),
            None,
        ),
        Row::new(
            "cluster_changed_1k",
            "one cycle in which 1,000 tasks' input changed (each evaluated again)",
            Unit::Us,
            g("cluster_changed_1k"),
            // Informational: the leader's cost per task per cycle (docs/cluster.md).
            Target::AtLeast(0.0),
            None,
        ),
        Row::new(
            "cluster_changed_10k",
            "one cycle in which 10,000 tasks' input changed (each evaluated again)",
            Unit::Us,
            g("cluster_changed_10k"),
            Target::AtLeast(0.0),
            None,
        ),
        queue("cluster_queue_1w", 1),
        queue("cluster_queue_2w", 2),
        queue("cluster_queue_4w", 4),
        Row::new(
            "cluster_failover_median",
            "leader failover (kill -9 → next leader's first launch), median of 10, default \
             lease (10 s)",
            Unit::Ms,
            g("cluster_failover_median"),
            Target::AtMost(10_000.0),
            None,
        ),
        Row::new(
            "cluster_failover_max",
            "leader failover, max of 10, default lease (10 s)",
            Unit::Ms,
            g("cluster_failover_max"),
            Target::AtMost(10_000.0),
            None,
        ),
        Row::new(
            "cluster_dispatch_added",
            "dispatch latency a worker run adds over a local `process` run (LISTEN/NOTIFY, \
             not the polling fallback)",
            Unit::Ms,
            g("cluster_dispatch_added"),
            Target::AtMost(20.0),
            None,
        ),
    ];
    if let Some(row) = rows.last_mut() {
        if let Some(worker) = g("cluster_dispatch_worker") {
            row.note = Some(format!("a worker run's dispatch: {worker:.1} ms in all"));
        }
    }
    if let (Some(a), Some(b)) = (g("cluster_changed_1k"), g("cluster_changed_10k")) {
        if let Some(row) = rows.iter_mut().find(|r| r.key == "cluster_changed_10k") {
            row.note = Some(format!(
                "per task: {:.0} ns ((10k − 1k) / 9,000)",
                (b - a) * 1e3 / 9_000.0
            ));
        }
    }
    for row in &mut rows {
        if let Some(e) = s.errors.get(row.key) {
            row.note = Some(format!("error: {e}"));
        }
    }
    rows
}
