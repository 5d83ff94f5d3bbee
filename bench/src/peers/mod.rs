//! `--peers`: the same scenarios on redengine and on the Rust schedulers a Rust user would
//! pick instead (tokio-cron-scheduler, clokwerk), interleaved in one run, with the ratio
//! per row.
//!
//! Each library expresses a scenario its own way, as its documentation shows:
//!
//! * idle CPU: 1,000 tasks/jobs that are not due (a daily time two hours ahead), percent
//!   of one core over a window after start-up, each in a child process of its own.
//! * one check with 10,000 idle tasks: redengine's loop iteration (cycle + next deadline,
//!   on a clock that never waits); clokwerk's `run_pending()`; tokio-cron-scheduler has no
//!   callable check, so its CPU time per 500 ms tick.
//! * peak RSS with 1,000 and 10,000 idle tasks scheduled and one check done, each in a
//!   small program that links only that library (`rss_redengine`, `rss_tcs`,
//!   `rss_clokwerk` of package `redengine-bench-rss`, `bench/rss`), as a user's program
//!   would: the RSS of such a program is mostly the code pages it touches, and this binary
//!   links all three libraries, a PostgreSQL client and an HTTP server. redengine's
//!   program has its default features (its package is built on its own). Each run's
//!   value is the median of 5 starts (`launch::program_rss`).
//! * launch → first check with 1,000 tasks: from spawning a child to its first line.
//!   redengine: the user's defaults (CSV log), as the `launch_1000` row.
//! * latency from the scheduled instant (a whole second) to the body: redengine
//!   `secondly`; tokio-cron-scheduler cron `* * * * * *`; clokwerk daily jobs at the next
//!   whole seconds, polled by `watch_thread(100 ms)` as its README shows. `FIRINGS` per
//!   run (after one discarded), pooled over runs: the median and the p99.
//! * a burst of 10,000 due tasks: runs per second from the scheduler's start (its tasks
//!   built and prepared) to the last body's end, in two rows because the libraries run
//!   jobs in two ways. Each body off the
//!   scheduler's thread: redengine `run_tasks` over 10,000 `thread` tasks (each run on a
//!   thread of its shared pool); tokio-cron-scheduler 10,000 one-shot jobs due at once,
//!   then `start()` (each a tokio task on tokio's worker threads); clokwerk has no
//!   such executor. Inline, one after the other on the scheduler's thread: redengine
//!   `main` tasks; clokwerk 10,000 jobs every second, one `run_pending()` once they are
//!   due; tokio-cron-scheduler has no such executor.

mod clok;
mod measure;
mod ours;
mod scenarios;
mod table;
mod tcs;
mod wake;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::probe::median;

use self::measure::{
    burst, burst_spawned, check, idle_cpu_alone, latencies, lateness, launch, percentile, rss,
};
pub(crate) use self::measure::{child, idle_cpu_ours, BURST_SPAWNED, CHILD};
use self::scenarios::Lib;

/// Firings per run and library in the latency scenario (one more is discarded first).
const FIRINGS: usize = 10;

/// What the peers mode measured: per (scenario, library) the per-run values, and the
/// pooled latencies.
#[derive(Default)]
pub(crate) struct PeerSamples {
    pub(crate) values: BTreeMap<(&'static str, Lib), Vec<f64>>,
    pub(crate) errors: BTreeMap<(&'static str, Lib), String>,
    latencies: BTreeMap<Lib, Vec<f64>>,
    /// The latency rows' floor: a bare wait for each whole second ([`wake`]), pooled.
    wake: Vec<f64>,
    /// What the machine allows for a scenario, measured in the same runs (per run), and
    /// the thread burst's one-thread-per-task comparison ([`BURST_SPAWNED`]).
    pub(crate) floors: BTreeMap<&'static str, Vec<f64>>,
    /// `--only`: only the scenarios whose key contains it.
    only: Option<String>,
}

impl PeerSamples {
    /// Whether `--only` asks for the scenario `key`.
    pub(crate) fn wanted(&self, key: &str) -> bool {
        self.only.as_ref().is_none_or(|k| key.contains(k.as_str()))
    }

    fn take(&mut self, key: &'static str, lib: Lib, f: impl FnOnce() -> Result<f64, String>) {
        if !self.wanted(key) {
            return;
        }
        eprint!("  {key} {} … ", lib.key());
        match f() {
            Ok(v) => {
                eprintln!("{v:.4}");
                self.values.entry((key, lib)).or_default().push(v);
            }
            Err(e) => {
                eprintln!("error: {e}");
                self.errors.entry((key, lib)).or_insert(e);
            }
        }
    }

    /// The median over runs (latency rows: over every pooled firing).
    pub(crate) fn get(&self, key: &str, lib: Lib) -> Option<f64> {
        match key {
            "latency_p50" => self.latencies.get(&lib).map(|v| percentile(v, 0.5)),
            "latency_p99" => self.latencies.get(&lib).map(|v| percentile(v, 0.99)),
            _ => self
                .values
                .iter()
                .find(|((k, l), _)| *k == key && *l == lib)
                .map(|(_, v)| median(v.clone())),
        }
    }

    /// The median over runs of a scenario's floor (latency rows: the percentile over
    /// every pooled firing of the bare wait).
    pub(crate) fn floor(&self, key: &str) -> Option<f64> {
        let pooled = |p| {
            Some(&self.wake)
                .filter(|v| !v.is_empty())
                .map(|v| percentile(v, p))
        };
        match key {
            "latency_p50" => pooled(0.5),
            "latency_p99" => pooled(0.99),
            _ => self.floors.get(key).map(|v| median(v.clone())),
        }
    }

    pub(crate) fn firings(&self, lib: Lib) -> usize {
        self.latencies.get(&lib).map_or(0, Vec::len)
    }
}

/// Runs the peers mode: `runs` interleaved runs (the library order rotates each run),
/// then the table (or JSON). With `only`, just the scenarios whose key contains it.
pub(crate) fn run(runs: usize, idle: Duration, json: bool, only: Option<String>) -> String {
    // `take` measures only what `--only` asks for; the scenarios measured otherwise ask
    // `wanted` themselves.
    let mut s = PeerSamples {
        only,
        ..PeerSamples::default()
    };
    let started = Instant::now();
    for run in 0..runs {
        eprintln!("peers: run {} of {runs}", run + 1);
        let mut order = Lib::ALL;
        order.rotate_left(run % Lib::ALL.len());
        for lib in order {
            s.take("idle_cpu", lib, || idle_cpu_alone(lib, idle));
        }
        for lib in order {
            s.take("check_10k", lib, || check(lib, 10_000));
        }
        for (key, n) in [("rss_1k", 1_000), ("rss_10k", 10_000)] {
            for lib in order {
                s.take(key, lib, || rss(lib, n));
            }
        }
        for lib in order {
            s.take("launch_1k", lib, || launch(lib, 1_000));
        }
        let latency = s.wanted("latency_p50") || s.wanted("latency_p99");
        if latency {
            eprint!("  latency floor (a bare wait for each whole second) … ");
            match wake::firings(FIRINGS + 1) {
                Ok(stamps) => {
                    let v = lateness(&stamps);
                    eprintln!("median {:.3} ms", median(v.clone()));
                    s.wake.extend(v);
                }
                Err(e) => eprintln!("error: {e}"),
            }
        }
        for lib in order.into_iter().filter(|_| latency) {
            eprint!("  latency {} … ", lib.key());
            match latencies(lib, FIRINGS) {
                Ok(v) => {
                    eprintln!("median {:.3} ms", median(v.clone()));
                    s.latencies.entry(lib).or_default().extend(v);
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    s.errors.entry(("latency_p50", lib)).or_insert(e.clone());
                    s.errors.entry(("latency_p99", lib)).or_insert(e);
                }
            }
        }
        if s.wanted("burst_10k") {
            for lib in order.into_iter().filter(|l| *l != Lib::Clokwerk) {
                s.take("burst_10k", lib, || burst(lib, 10_000, false));
            }
            // What one thread per task would allow (a thread's Rust name is fixed when it
            // starts, so naming each run's thread after its task meant one thread start
            // per run): the ceiling redengine's shared pool no longer has.
            eprint!("  burst_10k one thread per task (10,000 named threads) … ");
            let spawned = burst_spawned(10_000);
            eprintln!("{spawned:.0}");
            s.floors.entry(BURST_SPAWNED).or_default().push(spawned);
        }
        for lib in order.into_iter().filter(|l| *l != Lib::Tcs) {
            s.take("burst_inline_10k", lib, || burst(lib, 10_000, true));
        }
    }
    eprintln!("peers: {:.0} s", started.elapsed().as_secs_f64());
    if json {
        table::json(&s, runs)
    } else {
        table::table(&s, runs)
    }
}
