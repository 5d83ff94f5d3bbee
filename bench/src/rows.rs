//! The performance-target rows, built from the medians of the samples: metric names, units,
//! targets, floors, and the scale notes (linear in tasks, flat in log size).

use crate::report::{Row, Target, Unit};
use crate::Samples;

/// Each row's floor, by key (`row key`, `floor key`): `--only` on a row measures its floor
/// too, or the row would print no ratio.
pub(crate) const FLOORS: &[(&str, &str)] = &[
    ("cond_check_1k", "floor_cond_eval"),
    ("cond_check_100k", "floor_cond_eval"),
    ("after_check_10k", "floor_after_10k"),
    ("after_check_1m", "floor_after_1m"),
    ("runs_main_csv", "store_append_csv"),
    ("runs_thread", "floor_spawn_join"),
    ("runs_process", "floor_reexec"),
    ("dispatch_thread", "floor_wake"),
    ("dispatch_process", "floor_reexec"),
    ("pipeline_process", "floor_reexec"),
    ("launch_1", "floor_reexec"),
    ("launch_1000", "floor_reexec"),
    ("rss_10", "floor_rss_program"),
    ("rss_1000", "floor_rss_program"),
    ("rss_10000", "floor_rss_program"),
    ("rss_10000_ran", "floor_rss_program"),
    ("store_rss_csv_1m", "floor_rss"),
    ("store_rss_sqlite_1m", "floor_rss"),
];

/// The table rows from the medians.
pub(crate) fn rows(s: &Samples) -> Vec<Row> {
    let g = |k: &str| s.get(k);
    let per_sec = |us: Option<f64>| us.map(|us| 1e6 / us);
    let reexec_ms = g("floor_reexec");
    let mut rows = vec![
        Row::new(
            "cond_check_1k",
            "condition check, 1,000 tasks, `daily between …` (false now)",
            Unit::Ns,
            g("cond_check_1k"),
            Target::AtMost(200.0),
            g("floor_cond_eval"),
        ),
        Row::new(
            "cond_check_100k",
            "condition check, 100,000 tasks, `daily between …` (false now)",
            Unit::Ns,
            g("cond_check_100k"),
            Target::AtMost(200.0),
            g("floor_cond_eval"),
        ),
        Row::new(
            "after_check_10k",
            "`after task 'x' succeeded` check, 10,000 log records",
            Unit::Ns,
            g("after_check_10k"),
            Target::AtMost(200.0),
            g("floor_after_10k"),
        ),
        Row::new(
            "after_check_1m",
            "`after task 'x' succeeded` check, 1,000,000 log records",
            Unit::Ns,
            g("after_check_1m"),
            Target::AtMost(200.0),
            g("floor_after_1m"),
        ),
        Row::new(
            "idle_cpu",
            "idle CPU, 1,000 tasks, all conditions false",
            Unit::PercentCore,
            g("idle_cpu"),
            Target::Below(1.0),
            None,
        ),
        Row::new(
            "runs_main_memory",
            "task runs/s, `main`, memory log",
            Unit::RunsPerSec,
            g("runs_main_memory"),
            Target::AtLeast(100_000.0),
            None,
        ),
        Row::new(
            "runs_main_csv",
            "task runs/s, `main`, CSV log",
            Unit::RunsPerSec,
            g("runs_main_csv"),
            Target::AtLeast(50_000.0),
            // Floor: appending a run's two rows (`run`, then its outcome) to the CSV log.
            g("store_append_csv").map(|rows| rows / 2.0),
        ),
        Row::new(
            "runs_thread",
            "task runs/s, `thread`",
            Unit::RunsPerSec,
            g("runs_thread"),
            Target::AtLeast(10_000.0),
            per_sec(g("floor_spawn_join")),
        ),
        Row::new(
            "runs_process",
            "task runs/s, `process`",
            Unit::RunsPerSec,
            g("runs_process"),
            Target::AtLeast(reexec_ms.map_or(500.0, |ms| (1e3 / ms / 2.0).max(500.0))),
            reexec_ms.map(|ms| 1e3 / ms),
        ),
        Row::new(
            "dispatch_main",
            "dispatch: upstream finished → dependent's first line, `main`",
            Unit::Us,
            g("dispatch_main"),
            Target::AtMost(50.0),
            None,
        ),
        Row::new(
            "dispatch_thread",
            "dispatch: upstream finished → dependent's first line, `thread`",
            Unit::Us,
            g("dispatch_thread"),
            Target::AtMost(200.0),
            g("floor_wake"),
        ),
        Row::new(
            "dispatch_process",
            "dispatch: upstream finished → dependent's first line, `process`",
            Unit::Ms,
            g("dispatch_process"),
            Target::AtMost(2.0),
            reexec_ms,
        ),
        // async: targets are tokio-cron-scheduler's numbers on the same scenario.
        Row::new(
            "dispatch_async",
            "dispatch: upstream finished → dependent's first line, `async` (target: \
             tokio-cron-scheduler, same run)",
            Unit::Us,
            g("dispatch_async"),
            Target::AtMost(g("dispatch_async_tcs").unwrap_or(f64::NAN)),
            None,
        ),
        Row::new(
            "runs_async",
            "async runs/s, 2,000 jobs due now (target: tokio-cron-scheduler, same run)",
            Unit::RunsPerSec,
            g("runs_async"),
            Target::AtLeast(g("runs_async_tcs").unwrap_or(f64::NAN)),
            None,
        ),
        Row::new(
            "pipeline_main",
            "pipeline a→b→c end to end, `main`",
            Unit::Ms,
            g("pipeline_main"),
            Target::AtMost(0.1),
            None,
        ),
        Row::new(
            "pipeline_thread",
            "pipeline a→b→c end to end, `thread`",
            Unit::Ms,
            g("pipeline_thread"),
            Target::AtMost(0.4),
            None,
        ),
        Row::new(
            "pipeline_process",
            "pipeline a→b→c end to end, `process`",
            Unit::Ms,
            g("pipeline_process"),
            Target::AtMost(4.0),
            // Between a's line and c's: a's exit and reap, b's whole re-exec, c's start.
            reexec_ms.map(|ms| 2.0 * ms),
        ),
        Row::new(
            "launch_1",
            "launch → first cycle, 1 task",
            Unit::Ms,
            g("launch_1"),
            Target::AtMost(5.0),
            reexec_ms,
        ),
        Row::new(
            "launch_1000",
            "launch → first cycle, 1,000 tasks",
            Unit::Ms,
            g("launch_1000"),
            Target::AtMost(20.0),
            reexec_ms,
        ),
        Row::new(
            "rss_10",
            "peak RSS, 10 tasks run once each",
            Unit::Mib,
            g("rss_10"),
            Target::AtMost(5.0),
            g("floor_rss_program"),
        ),
        Row::new(
            "rss_1000",
            "peak RSS, 1,000 tasks run once each",
            Unit::Mib,
            g("rss_1000"),
            Target::AtMost(8.0),
            g("floor_rss_program"),
        ),
        Row::new(
            "creation_5000",
            "task creation, 5,000 tasks",
            Unit::Ms,
            g("creation_5000"),
            Target::AtMost(50.0),
            None,
        ),
        // --- store: the log stores side by side ---
        Row::new(
            "store_append_csv",
            "records/s appended, CSV log (flushed, not fsynced)",
            Unit::RunsPerSec,
            g("store_append_csv"),
            Target::AtLeast(20_000.0),
            None,
        ),
        Row::new(
            "store_append_sqlite",
            "records/s appended, SQLite log (WAL, synchronous = NORMAL)",
            Unit::RunsPerSec,
            g("store_append_sqlite"),
            Target::AtLeast(20_000.0),
            None,
        ),
        Row::new(
            "store_append_sqlite_full",
            "records/s appended, SQLite log, `sync_each_append` (synchronous = FULL)",
            Unit::RunsPerSec,
            g("store_append_sqlite_full"),
            // Informational: what an fsync per record costs; no target.
            Target::Measured,
            None,
        ),
        Row::new(
            "store_startup_csv_1m",
            "start-up on 1,000,000 records, CSV log",
            Unit::Ms,
            g("store_startup_csv_1m"),
            Target::AtMost(2_000.0),
            None,
        ),
        Row::new(
            "store_startup_sqlite_1m",
            "start-up on 1,000,000 records, SQLite log",
            Unit::Ms,
            g("store_startup_sqlite_1m"),
            Target::AtMost(500.0),
            None,
        ),
        Row::new(
            "store_rss_csv_1m",
            "peak RSS of that start-up, CSV log",
            Unit::Mib,
            g("store_rss_csv_1m"),
            Target::AtMost(64.0),
            g("floor_rss"),
        ),
        Row::new(
            "store_rss_sqlite_1m",
            "peak RSS of that start-up, SQLite log",
            Unit::Mib,
            g("store_rss_sqlite_1m"),
            Target::AtMost(64.0),
            g("floor_rss"),
        ),
    ];
    // status: the status page under 50 clients must leave dispatch within 10% of the
    // same scheduler with the page on and no client (the floor column).
    let idle = g("status_dispatch_idle");
    rows.push(Row::new(
        "status_dispatch_loaded",
        "dispatch latency, `thread`, 1,000 tasks, status page under 50 clients",
        Unit::Us,
        g("status_dispatch_loaded"),
        Target::AtMost(idle.map_or(f64::INFINITY, |i| i * 1.10)),
        idle,
    ));
    rows.push(Row::new(
        "status_rss_growth",
        "peak resident memory added by 50 status-page clients",
        Unit::Mib,
        g("status_rss_growth"),
        Target::AtMost(64.0),
        None,
    ));
    annotate(&mut rows, s);
    rows.extend(crate::cycle::rows(s));
    // cluster: the scheduler cluster's rows.
    rows.extend(crate::cluster::rows(s));
    rows.retain(|r| s.wanted(r.key));
    rows
}

/// Scale notes (flat in log size, linear in tasks) and measurement errors.
fn annotate(rows: &mut [Row], s: &Samples) {
    let ratio = |a: &str, b: &str| s.get(a).zip(s.get(b)).map(|(a, b)| a / b);
    for row in rows.iter_mut() {
        let note = match row.key {
            "cond_check_100k" => ratio("cond_check_100k", "cond_check_1k").map(|r| {
                format!("per-task cost at 100,000 / at 1,000 tasks = {r:.2} (linear: ≈ 1)")
            }),
            "after_check_1m" => ratio("after_check_1m", "after_check_10k")
                .map(|r| format!("cost at 1,000,000 / at 10,000 records = {r:.2} (flat: ≈ 1)")),
            "dispatch_async" => s
                .get("dispatch_async_tcs")
                .map(|t| format!("tokio-cron-scheduler 0.15: {t:.0} µs")),
            "runs_async" => s
                .get("runs_async_tcs")
                .map(|t| format!("tokio-cron-scheduler 0.15: {t:.0} runs/s")),
            "creation_5000" => ratio("creation_50000", "creation_5000")
                .map(|r| format!("50,000 tasks take {r:.1}× as long as 5,000 (linear: ≈ 10)")),
            _ => None,
        };
        if let Some(n) = note {
            row.note = Some(n);
        }
        if let Some(e) = s.errors.get(row.key) {
            row.note = Some(format!("error: {e}"));
        }
    }
}
