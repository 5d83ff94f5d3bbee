//! cluster: rows of a scheduler cluster on a real PostgreSQL server (docs/cluster.md):
//! runs per second through the worker queue with 1, 2 and 4 workers and the dispatch
//! latency a worker run adds over a local process run ([`queue`]), leader failover time
//! over 10 failovers with the default lease ([`failover`]), and what one leader costs
//! ([`leader`]: appends per second, a cycle in which many tasks' input changed).
//!
//! The server is the tests' throw-away one (`tests/common/pg.rs`, included here by path
//! so there is one helper): `initdb` in a temporary directory, 127.0.0.1, a free port,
//! stopped and deleted when the bench exits. Without the PostgreSQL binaries these rows
//! say why in their note instead of failing the bench.
//!
//! The leader of the queue rows runs in this process; workers and failover nodes are
//! this binary re-executed with [`ROLE_ENV`] set (see [`child_if_requested`]), and the
//! workers' run children re-execute it once more, as every process child does.

use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};

use crate::report::{Row, Target, Unit};
use crate::Samples;

mod failover;
mod leader;
#[allow(dead_code, unreachable_pub, clippy::all)]
#[path = "../../tests/common/pg.rs"]
mod pg;
mod queue;

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
    if let Some(code) = redengine::run_child_if_requested(queue::worker_session) {
        return Some(code);
    }
    let url = std::env::var(URL_ENV).unwrap_or_default();
    Some(match role.as_str() {
        "worker" => redengine::run_cli_with_args(
            ["redengine-bench", "--log", &url, "worker"].map(std::ffi::OsString::from),
            queue::worker_session,
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

/// One interleaved run of this module's measurements.
pub(crate) fn measure(s: &mut Samples) {
    s.take("cluster_append", || leader::append_rate(5_000));
    s.take("cluster_changed_1k", || leader::changed_cycle(1_000));
    s.take("cluster_changed_10k", || leader::changed_cycle(10_000));
    // The floor of the queue rows: a worker runs each run as a local process child.
    s.take("cluster_process_floor", || crate::process::throughput(300));
    s.take("cluster_queue_1w", || queue::queue_rate(1, 500));
    s.take("cluster_queue_2w", || queue::queue_rate(2, 500));
    s.take("cluster_queue_4w", || queue::queue_rate(4, 500));
    if s.wanted("cluster_dispatch_added") || s.wanted("cluster_dispatch_worker") {
        let got = queue::dispatch_added(50);
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
            if workers == 4 {
                Target::AtLeast(500.0)
            } else {
                Target::Measured
            },
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
            Target::Measured,
            None,
        ),
        Row::new(
            "cluster_changed_1k",
            "one cycle in which 1,000 tasks' input changed (each evaluated again)",
            Unit::Us,
            g("cluster_changed_1k"),
            // Informational: the leader's cost per task per cycle (docs/cluster.md).
            Target::Measured,
            None,
        ),
        Row::new(
            "cluster_changed_10k",
            "one cycle in which 10,000 tasks' input changed (each evaluated again)",
            Unit::Us,
            g("cluster_changed_10k"),
            Target::Measured,
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
