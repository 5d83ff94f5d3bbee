//! cluster: rows of a scheduler cluster on a real PostgreSQL server (docs/cluster.md):
//! runs per second through the worker queue with 1, 2 and 4 workers, leader failover
//! time over 10 failovers with the default lease, and the dispatch latency a worker run
//! adds over a local process run.
//!
//! The server is the tests' throw-away one (`tests/common/pg.rs`, included here by path
//! so there is one helper): `initdb` in a temporary directory, 127.0.0.1, a free port,
//! stopped and deleted when the bench exits. Without the PostgreSQL binaries these rows
//! say why in their note instead of failing the bench.
//!
//! The leader of the queue rows runs in this process; workers and failover nodes are
//! this binary re-executed with [`ROLE_ENV`] set (see [`child_if_requested`]), and the
//! workers' run children re-execute it once more, as every process child does.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redengine::{Execution, Session, SessionBuilder, Task, Zone};

use crate::probe::{median, secs};
use crate::report::{Row, Target, Unit};
use crate::Samples;

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
/// Runs a worker executes at once (its `max_process_count`).
const PER_WORKER: usize = 8;

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
        "node" => match node(&url) {
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

/// The program of a worker and of its run children.
fn worker_session() -> SessionBuilder {
    Session::builder()
        .zone(Zone::Utc)
        .config("max_process_count", PER_WORKER)
        .with_tasks(worker_tasks())
}

/// A failover node: leads or stands by on `url` with the default lease; its one task
/// prints `lead PID` when this node starts leading, and runs until terminated.
fn node(url: &str) -> Result<(), String> {
    Session::builder()
        .zone(Zone::Utc)
        .log_postgres(url)
        .handle_signals(false)
        .task(
            Task::builder("lead")
                .execution(Execution::Thread)
                .start_cond("true")
                .run(|ctx| {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "lead {}", std::process::id()).and_then(|()| out.flush());
                    while !ctx.termination().is_set() {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }),
        )
        .build()
        .and_then(|mut s| s.run())
        .map_err(|e| e.to_string())
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

/// The nodes standing by: their connection's last statement tried the lock or looked
/// up who holds it.
const STANDBYS: &str = "SELECT count(*) FROM pg_stat_activity \
     WHERE application_name LIKE 'redengine scheduler %' \
     AND (query LIKE '%pg_try_advisory_lock%' OR query LIKE '%FROM pg_locks l JOIN%')";

/// Leader failover with the default lease: 3 nodes; `count` times, kill the leader
/// (SIGKILL) and time until another node's `lead` line. Median and max, in ms.
///
/// Each kill waits until both other nodes stand by (their connection's last statement
/// is the lock attempt or the look-up of the leader): a node still starting when the
/// leader dies finds no leader and leads at once, which is a start-up, not a failover.
pub(crate) fn failover(count: usize) -> Result<(f64, f64), String> {
    let url = pg::try_database("bench_failover")?;
    let (tx, rx) = channel::<(u32, String)>();
    let mut nodes = Procs(Vec::new());
    let add = |nodes: &mut Procs| -> Result<(), String> {
        let mut child = Procs::spawn("node", &url, None)?;
        let pid = child.id();
        let out = child.stdout.take().ok_or("a node without stdout")?;
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send((pid, line));
            }
        });
        nodes.0.push(child);
        Ok(())
    };
    for _ in 0..3 {
        add(&mut nodes)?;
    }
    let lease = redengine::log::DEFAULT_LEASE;
    let mut watch = postgres::Client::connect(&url, postgres::NoTls)
        .map_err(|e| format!("cannot connect to the bench's server: {e}"))?;
    // A standby's connection last ran the lock attempt or the look-up of the leader.
    let mut all_standing_by = |n: i64| -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let up: i64 = watch
                .query_one(STANDBYS, &[])
                .map_err(|e| e.to_string())?
                .get(0);
            if up >= n {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("only {up} of {n} nodes stand by"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let leader = |rx: &Receiver<(u32, String)>, not: Option<u32>| -> Result<u32, String> {
        let deadline = Instant::now() + 3 * lease + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok((pid, line)) if line == format!("lead {pid}") && Some(pid) != not => {
                    return Ok(pid)
                }
                Ok(_) => {}
                Err(_) => return Err("no node took the leadership over".to_owned()),
            }
        }
    };
    let mut current = leader(&rx, None)?;
    let mut took = Vec::with_capacity(count);
    for _ in 0..count {
        all_standing_by(2)?;
        let i = nodes
            .0
            .iter()
            .position(|c| c.id() == current)
            .ok_or("the leader is not one of the nodes")?;
        let mut dead = nodes.0.remove(i);
        let killed = Instant::now();
        let _ = dead.kill();
        let next = leader(&rx, Some(current));
        let _ = dead.wait();
        let next = next?;
        took.push(secs(killed.elapsed()) * 1e3);
        current = next;
        add(&mut nodes)?;
    }
    let max = took.iter().copied().fold(0.0, f64::max);
    Ok((median(took), max))
}

/// Records appended per second to the PostgreSQL log by a leader: one connection, one
/// committed, epoch-checked `INSERT` each (a `run` and a `success`, alternately). The
/// write side of a leader's cycle: two records per run.
pub(crate) fn append_rate(records: usize) -> Result<f64, String> {
    use redengine::{Action, LogStore, TaskRecord};
    let url = pg::try_database("bench_append")?;
    let mut log = redengine::PostgresLog::new(&url).standby(false);
    log.load().map_err(|e| e.to_string())?;
    let at = chrono::Utc::now().fixed_offset();
    let start = Instant::now();
    for i in 0..records {
        let record = if i % 2 == 0 {
            TaskRecord::run("t", at)
        } else {
            TaskRecord::finish("t", Action::Success, at, at, "")
        };
        log.append(&record).map_err(|e| e.to_string())?;
    }
    Ok(records as f64 / secs(start.elapsed()))
}

/// The leader's cost when every task's input changed: µs of one loop iteration in which
/// `x` ran (in the cycle, on the memory log) and each of `tasks` tasks reading it
/// (`after task 'x' failed`, false: x succeeds) is evaluated again. Frozen clock, cycles
/// back to back. With the idle rows (nothing changed), this brackets a leader's cycle.
pub(crate) fn changed_cycle(tasks: usize) -> Result<f64, String> {
    use std::sync::{Arc, Mutex};
    let cycles = 60u64;
    let marks = Arc::new(Mutex::new(Vec::<Instant>::with_capacity(64)));
    let seen = Arc::clone(&marks);
    let mut session = Session::builder()
        .clock(crate::probe::FrozenClock(crate::probe::noon()))
        .zone(Zone::Utc)
        .log_memory()
        .task_execution(Execution::Main)
        .task(Task::builder("x").start_cond("true").run(|_| ()))
        .with_tasks((0..tasks).map(|i| {
            Task::builder(format!("t{i}"))
                .start_cond("after task 'x' failed")
                .run(|_| ())
        }))
        .on_cycle(move |info| {
            if let Ok(mut m) = seen.lock() {
                m.push(Instant::now());
            }
            if info.cycles >= cycles {
                info.handle.shutdown();
            }
            Ok(None)
        })
        .build()
        .map_err(|e| e.to_string())?;
    session.run().map_err(|e| e.to_string())?;
    let marks = marks.lock().map_err(|e| e.to_string())?;
    let gaps: Vec<f64> = marks
        .windows(2)
        .skip(2)
        .map(|w| secs(w[1] - w[0]))
        .collect();
    Ok(median(gaps) * 1e6)
}

/// One interleaved run of this module's measurements.
pub(crate) fn measure(s: &mut Samples) {
    s.take("cluster_append", || append_rate(5_000));
    s.take("cluster_changed_1k", || changed_cycle(1_000));
    s.take("cluster_changed_10k", || changed_cycle(10_000));
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
        let got = failover(10);
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
                "runs/s through the worker queue, {workers} worker{} ({PER_WORKER} runs each \
                 at once), leader and workers on this machine",
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
