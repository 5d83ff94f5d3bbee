//! `redengine-bench`: measures every row of the performance targets (the README's
//! Performance table) for the redengine runtime on this machine, with the floors (what
//! raw Rust/OS primitives cost) measured in the same run.
//!
//! ```text
//! cargo build --release -p redengine-bench-rss       # the RSS rows' programs, on their own
//! cargo run --release -p redengine-bench              # human table, medians of 3 runs
//! cargo run --release -p redengine-bench -- --json    # the same as JSON
//! cargo run --release -p redengine-bench -- --quick   # 1 run, 2 s idle window (iterating)
//! cargo run --release -p redengine-bench -- --only dispatch   # rows whose key contains it
//! cargo run --release -p redengine-bench -- --peers   # the same scenarios on the Rust peers
//! ```
//!
//! Every scenario drives a real `Session` through `run()`. Runs are interleaved (all rows,
//! then all rows again) and each row reports the median over runs of its per-run median,
//! so a noisy neighbour on the shared VM spoils one sample, not a row.

// async: redengine async tasks beside tokio-cron-scheduler.
mod asynchronous;
// cluster: a scheduler cluster on a throw-away PostgreSQL server.
mod cluster;
mod cycle;
mod idle;
mod launch;
// peers: the scenarios on tokio-cron-scheduler and clokwerk beside ours.
mod peers;
mod probe;
mod process;
mod report;
mod rows;
mod runs;
// status: the status page under load.
mod status;
mod store;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use redengine::Execution;

use crate::report::Machine;
use crate::runs::LogKind;

/// Command-line options.
#[derive(Debug, Clone)]
struct Options {
    json: bool,
    runs: usize,
    idle: Duration,
    /// Only rows whose key contains this.
    only: Option<String>,
    /// The peers table instead of the targets table.
    peers: bool,
}

fn usage() -> String {
    "usage: redengine-bench [--json] [--runs N] [--quick] [--only KEY] [--peers]\n\
     \x20 --json     print JSON instead of the table\n\
     \x20 --runs N   interleaved runs whose medians are reported (default 3)\n\
     \x20 --quick    one run and a 2 s idle window, for iterating\n\
     \x20 --only K   measure only rows whose key contains K (e.g. `dispatch`; with --peers, `burst`)\n\
     \x20 --peers    the same scenarios on tokio-cron-scheduler and clokwerk, side by side"
        .to_string()
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut opts = Options {
        json: false,
        runs: 3,
        idle: Duration::from_secs(10),
        only: None,
        peers: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => opts.json = true,
            "--peers" => opts.peers = true,
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
pub(crate) struct Samples {
    values: BTreeMap<&'static str, Vec<f64>>,
    pub(crate) errors: BTreeMap<&'static str, String>,
    only: Option<String>,
}

impl Samples {
    /// Whether `key` is measured: every row without `--only`; with it, the rows whose key
    /// contains it and their floors ([`rows::FLOORS`]).
    pub(crate) fn wanted(&self, key: &str) -> bool {
        self.only.as_ref().is_none_or(|k| {
            key.contains(k.as_str())
                || rows::FLOORS
                    .iter()
                    .any(|(row, floor)| *floor == key && row.contains(k.as_str()))
        })
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

    pub(crate) fn get(&self, key: &str) -> Option<f64> {
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
    s.take("idle_cpu", || peers::idle_cpu_ours(opts.idle));
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
    // async: the same scenarios on both libraries, one after the other.
    s.take("dispatch_async", || asynchronous::dispatch_ours(1_000));
    s.take("dispatch_async_tcs", || asynchronous::dispatch_tcs(5));
    s.take("runs_async", || asynchronous::runs_ours(2_000));
    s.take("runs_async_tcs", || asynchronous::runs_tcs(2_000));
    s.take("floor_reexec", || launch::reexec_floor(30));
    s.take("runs_process", || process::throughput(300));
    s.take("dispatch_process", || process::dispatch(100));
    s.take("pipeline_process", || process::pipeline(50));
    s.take("launch_1", || launch::launch(1, 15));
    s.take("launch_1000", || launch::launch(1_000, 15));
    // mem: `floor_rss` is this binary doing nothing (the stores' rows run in it); the
    // RSS rows run in small programs (bench/rss) whose floor links `std` only.
    s.take("floor_rss", launch::own_rss_floor);
    s.take("floor_rss_program", || launch::peak_rss(None));
    s.take("rss_10", || launch::peak_rss(Some(10)));
    s.take("rss_1000", || launch::peak_rss(Some(1_000)));
    s.take("creation_5000", || idle::creation(5_000));
    s.take("creation_50000", || idle::creation(50_000));
    cycle::measure(s);
    measure_stores(s);
    measure_status(s, opts);
    // cluster: queue throughput, failover, worker dispatch.
    cluster::measure(s);
}

/// status: dispatch latency with the status page idle and under 50 clients, and the
/// memory the load added.
fn measure_status(s: &mut Samples, opts: &Options) {
    let keys = [
        "status_dispatch_idle",
        "status_dispatch_loaded",
        "status_rss_growth",
    ];
    if !keys.iter().any(|k| s.wanted(k)) {
        return;
    }
    // status: 20 s unloaded, then 20 s under the clients (`--quick`: 4 s each).
    let window = if opts.idle < Duration::from_secs(10) {
        Duration::from_secs(4)
    } else {
        Duration::from_secs(20)
    };
    let got = status::measure(window);
    s.take("status_dispatch_idle", || got.clone().map(|l| l.idle_us));
    s.take("status_dispatch_loaded", || {
        got.clone().map(|l| l.loaded_us)
    });
    s.take("status_rss_growth", || got.map(|l| l.rss_growth_mib));
}

/// The log stores side by side: appends per second, start-up on 1,000,000 records.
fn measure_stores(s: &mut Samples) {
    use store::Store;
    s.take("store_append_csv", || {
        store::append_rate(Store::Csv, 50_000)
    });
    s.take("store_append_sqlite", || {
        store::append_rate(Store::Sqlite, 50_000)
    });
    s.take("store_append_sqlite_full", || {
        store::append_rate(Store::SqliteFull, 2_000)
    });
    for (kind, time_key, rss_key) in [
        (Store::Csv, "store_startup_csv_1m", "store_rss_csv_1m"),
        (
            Store::Sqlite,
            "store_startup_sqlite_1m",
            "store_rss_sqlite_1m",
        ),
    ] {
        if s.wanted(time_key) || s.wanted(rss_key) {
            let got = store::startup(kind);
            s.take(time_key, || got.clone().map(|g| g.0));
            s.take(rss_key, || got.map(|g| g.1));
        }
    }
}

fn main() -> ExitCode {
    // cluster: a worker or failover node of the cluster rows, or a worker's run child.
    if let Some(code) = cluster::child_if_requested() {
        return code;
    }
    // A process-executor child of the `process` rows: run its task and report.
    if let Some(code) = redengine::run_child_if_requested(process::child_session) {
        return code;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("child") {
        let mode = args.get(1).map_or("", String::as_str);
        if mode == peers::CHILD {
            return match peers::child(&args[2..]) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: bench child: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        // status: the client process of the status rows.
        if mode == status::CHILD {
            return match status::clients(&args[2..]) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: bench child: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        if mode == store::CHILD_STORE_STARTUP {
            return match store::child() {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: bench child: {e}");
                    ExitCode::FAILURE
                }
            };
        }
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
    if opts.peers {
        // A bounded idle window: three libraries, every run.
        let idle = opts.idle.min(std::time::Duration::from_secs(3));
        // mem: `--only` applies to the peers' scenarios too.
        println!(
            "{}",
            peers::run(opts.runs, idle, opts.json, opts.only.clone())
        );
        return ExitCode::SUCCESS;
    }
    let mut samples = Samples {
        only: opts.only.clone(),
        ..Samples::default()
    };
    for run in 1..=opts.runs {
        eprintln!("run {run} of {}", opts.runs);
        measure(&mut samples, &opts);
    }
    store::clean();
    let machine = Machine::detect();
    let rows = rows::rows(&samples);
    if opts.json {
        println!("{}", report::json(&rows, &machine, opts.runs));
    } else {
        let header = format!(
            "redengine performance targets — medians of {} interleaved run(s) — {}",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The floor table says the truth: with only its floor measured, each listed row shows
    /// a floor, and every row showing a floor is listed (so `--only` measures it).
    #[test]
    fn floors_are_the_ones_the_rows_read() {
        let floors: std::collections::BTreeSet<&str> =
            rows::FLOORS.iter().map(|(_, floor)| *floor).collect();
        for floor in &floors {
            let mut s = Samples::default();
            s.values.insert(floor, vec![1.0]);
            for row in rows::rows(&s) {
                let listed = rows::FLOORS.contains(&(row.key, *floor));
                assert_eq!(row.floor.is_some(), listed, "row {} floor {floor}", row.key);
            }
        }
    }

    #[test]
    fn only_a_row_measures_its_floor_too() {
        let s = Samples {
            only: Some("runs_process".to_string()),
            ..Samples::default()
        };
        assert!(s.wanted("runs_process") && s.wanted("floor_reexec"));
        assert!(!s.wanted("floor_wake") && !s.wanted("runs_thread"));
    }
}
