//! `redengine-bench`: measures every row of PERF.md for the redengine runtime on this
//! machine, with the floors (what raw Rust/OS primitives cost) measured in the same run.
//!
//! ```text
//! cargo run --release -p redengine-bench              # human table, medians of 3 runs
//! cargo run --release -p redengine-bench -- --json    # the same as JSON
//! cargo run --release -p redengine-bench -- --quick   # 1 run, 2 s idle window (iterating)
//! cargo run --release -p redengine-bench -- --only dispatch   # rows whose key contains it
//! ```
//!
//! Every scenario drives a real `Session` through `run()`. Runs are interleaved (all rows,
//! then all rows again) and each row reports the median over runs of its per-run median,
//! so a noisy neighbour on the shared VM spoils one sample, not a row.

mod idle;
mod launch;
mod probe;
mod process;
mod report;
mod runs;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use redengine::Execution;

use crate::report::{Machine, Row, Target, Unit};
use crate::runs::LogKind;

/// Command-line options.
#[derive(Debug, Clone)]
struct Options {
    json: bool,
    runs: usize,
    idle: Duration,
    /// Only rows whose key contains this.
    only: Option<String>,
}

fn usage() -> String {
    "usage: redengine-bench [--json] [--runs N] [--quick] [--only KEY]\n\
     \x20 --json     print JSON instead of the table\n\
     \x20 --runs N   interleaved runs whose medians are reported (default 3)\n\
     \x20 --quick    one run and a 2 s idle window, for iterating\n\
     \x20 --only K   measure only rows whose key contains K (e.g. `dispatch`)"
        .to_string()
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut opts = Options {
        json: false,
        runs: 3,
        idle: Duration::from_secs(10),
        only: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => opts.json = true,
            "--quick" => {
                opts.runs = 1;
                opts.idle = Duration::from_secs(2);
            }
            "--runs" => {
                let n = it.next().ok_or("--runs needs a number, e.g. `--runs 3`")?;
                opts.runs = n
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--runs takes a positive number, not `{n}`"))?;
            }
            "--only" => {
                let k = it
                    .next()
                    .ok_or("--only needs a row key, e.g. `--only dispatch`")?;
                opts.only = Some(k.clone());
            }
            "-h" | "--help" => return Err(usage()),
            other => return Err(format!("unknown argument `{other}`\n{}", usage())),
        }
    }
    Ok(opts)
}

/// Per-row samples over runs, and the first error of a row.
#[derive(Default)]
struct Samples {
    values: BTreeMap<&'static str, Vec<f64>>,
    errors: BTreeMap<&'static str, String>,
    only: Option<String>,
}

impl Samples {
    fn wanted(&self, key: &str) -> bool {
        self.only.as_ref().is_none_or(|k| key.contains(k.as_str()))
    }

    /// Measures `key` unless filtered out; progress goes to stderr.
    fn take(&mut self, key: &'static str, f: impl FnOnce() -> Result<f64, String>) {
        if !self.wanted(key) {
            return;
        }
        eprint!("  {key} … ");
        match f() {
            Ok(v) => {
                eprintln!("{v:.3}");
                self.values.entry(key).or_default().push(v);
            }
            Err(e) => {
                eprintln!("error: {e}");
                self.errors.entry(key).or_insert(e);
            }
        }
    }

    fn get(&self, key: &str) -> Option<f64> {
        self.values.get(key).map(|v| probe::median(v.clone()))
    }
}

/// One interleaved run of every measurement.
fn measure(s: &mut Samples, opts: &Options) {
    s.take("floor_cond_eval", idle::cond_check_floor);
    s.take("cond_check_1k", || idle::cond_check(1_000));
    s.take("cond_check_100k", || idle::cond_check(100_000));
    s.take("floor_after_10k", || idle::after_check_floor(10_000));
    s.take("after_check_10k", || idle::after_check(10_000));
    s.take("floor_after_1m", || idle::after_check_floor(1_000_000));
    s.take("after_check_1m", || idle::after_check(1_000_000));
    s.take("idle_cpu", || idle::idle_cpu(opts.idle));
    s.take("runs_main_memory", || {
        runs::throughput(Execution::Main, LogKind::Memory, 100_000)
    });
    s.take("runs_main_csv", || {
        runs::throughput(Execution::Main, LogKind::Csv, 50_000)
    });
    s.take("floor_spawn_join", || Ok(launch::spawn_join_floor(500)));
    s.take("runs_thread", || {
        runs::throughput(Execution::Thread, LogKind::Memory, 10_000)
    });
    s.take("floor_wake", || launch::wake_floor(200));
    s.take("dispatch_main", || runs::dispatch(Execution::Main, 2_000));
    s.take("dispatch_thread", || {
        runs::dispatch(Execution::Thread, 1_000)
    });
    s.take("pipeline_main", || runs::pipeline(Execution::Main, 2_000));
    s.take("pipeline_thread", || {
        runs::pipeline(Execution::Thread, 1_000)
    });
    s.take("floor_reexec", || launch::reexec_floor(30));
    s.take("runs_process", || process::throughput(300));
    s.take("dispatch_process", || process::dispatch(100));
    s.take("pipeline_process", || process::pipeline(50));
    s.take("launch_1", || launch::launch(1, 15));
    s.take("launch_1000", || launch::launch(1_000, 15));
    s.take("floor_rss", || launch::peak_rss(None));
    s.take("rss_10", || launch::peak_rss(Some(10)));
    s.take("rss_1000", || launch::peak_rss(Some(1_000)));
    s.take("creation_5000", || idle::creation(5_000));
    s.take("creation_50000", || idle::creation(50_000));
}

/// The table rows from the medians.
fn rows(s: &Samples) -> Vec<Row> {
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
            None,
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
            "peak RSS, 10 tasks",
            Unit::Mib,
            g("rss_10"),
            Target::AtMost(5.0),
            g("floor_rss"),
        ),
        Row::new(
            "rss_1000",
            "peak RSS, 1,000 tasks",
            Unit::Mib,
            g("rss_1000"),
            Target::AtMost(8.0),
            g("floor_rss"),
        ),
        Row::new(
            "creation_5000",
            "task creation, 5,000 tasks",
            Unit::Ms,
            g("creation_5000"),
            Target::AtMost(50.0),
            None,
        ),
    ];
    annotate(&mut rows, s);
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

fn main() -> ExitCode {
    // A process-executor child of the `process` rows: run its task and report.
    if let Some(code) = redengine::run_child_if_requested(process::child_session) {
        return code;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("child") {
        let mode = args.get(1).map_or("", String::as_str);
        let tasks = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(0);
        return match launch::child(mode, tasks) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: bench child: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let opts = match parse_args(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; use `cargo run --release -p redengine-bench`");
    }
    let mut samples = Samples {
        only: opts.only.clone(),
        ..Samples::default()
    };
    for run in 1..=opts.runs {
        eprintln!("run {run} of {}", opts.runs);
        measure(&mut samples, &opts);
    }
    let machine = Machine::detect();
    let rows = rows(&samples);
    if opts.json {
        println!("{}", report::json(&rows, &machine, opts.runs));
    } else {
        let header = format!(
            "redengine PERF.md rows — medians of {} interleaved run(s) — {}",
            opts.runs,
            machine.describe()
        );
        println!("{}", report::table(&rows, &header));
    }
    if rows.iter().any(|r| r.pass == Some(false)) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
