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
mod ours;
mod scenarios;
mod table;
mod tcs;
mod wake;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Timelike, Utc};

use crate::probe::{median, secs};

use self::scenarios::Lib;

/// Firings per run and library in the latency scenario (one more is discarded first).
const FIRINGS: usize = 10;

/// Samples per run of the launch scenario.
const LAUNCHES: usize = 9;

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

/// The nearest-rank percentile `p` of `samples`.
fn percentile(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = ((p * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[rank - 1]
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

/// Percent of one core a scheduler with 1,000 tasks not due uses over `window`, measured
/// in a child process of its own: in this process, threads left by the scenarios before
/// (runtimes, servers, pools of the other libraries) would be counted with it.
fn idle_cpu_alone(lib: Lib, window: Duration) -> Result<f64, String> {
    let ms = window.as_millis().to_string();
    let (_, line) = crate::launch::first_line(&["child", CHILD, CHILD_IDLE, lib.key(), &ms])?;
    line.parse()
        .map_err(|_| format!("idle child printed `{line}` instead of a percentage"))
}

/// redengine's idle CPU in a child of its own (see [`idle_cpu_alone`]): the targets
/// table's row.
pub(crate) fn idle_cpu_ours(window: Duration) -> Result<f64, String> {
    idle_cpu_alone(Lib::Ours, window)
}

fn idle_cpu(lib: Lib, window: Duration) -> Result<f64, String> {
    match lib {
        Lib::Ours => crate::idle::idle_cpu(window),
        Lib::Tcs => tcs::idle_cpu(1_000, window),
        Lib::Clokwerk => clok::idle_cpu(1_000, window),
    }
}

fn check(lib: Lib, n: usize) -> Result<f64, String> {
    match lib {
        Lib::Ours => crate::idle::cond_check(n).map(|ns| ns * n as f64 / 1e3),
        Lib::Tcs => tcs::tick_cpu(n),
        Lib::Clokwerk => clok::check(n),
    }
}

fn launch(lib: Lib, n: usize) -> Result<f64, String> {
    match lib {
        Lib::Ours => crate::launch::launch(n, LAUNCHES),
        _ => {
            let mut times = Vec::with_capacity(LAUNCHES);
            for _ in 0..LAUNCHES {
                let (took, line) = spawn_child(lib, CHILD_LAUNCH, n)?;
                if line != "cycle" {
                    return Err(format!("launch child printed `{line}` instead of `cycle`"));
                }
                times.push(secs(took) * 1e3);
            }
            Ok(median(times))
        }
    }
}

/// Peak RSS in MiB of the program scheduling `n` tasks with `lib` alone.
fn rss(lib: Lib, n: usize) -> Result<f64, String> {
    let n = n.to_string();
    match lib {
        Lib::Ours => crate::launch::program_rss("rss_redengine", &["scheduled", &n]),
        Lib::Tcs => crate::launch::program_rss("rss_tcs", &[&n]),
        Lib::Clokwerk => crate::launch::program_rss("rss_clokwerk", &[&n]),
    }
}

fn latencies(lib: Lib, firings: usize) -> Result<Vec<f64>, String> {
    let stamps = match lib {
        Lib::Ours => ours::firings(firings + 1)?,
        Lib::Tcs => tcs::firings(firings + 1)?,
        Lib::Clokwerk => clok::firings(firings + 1)?,
    };
    Ok(lateness(&stamps))
}

/// Each firing's lateness in ms. The first firing can be a start-up run (`secondly` runs
/// in the second it starts): it is discarded for every library and for the floor.
fn lateness(stamps: &[DateTime<Utc>]) -> Vec<f64> {
    stamps.iter().skip(1).map(late_ms).collect()
}

/// Milliseconds after the whole second `at` falls in: the lateness of a firing scheduled
/// for that second.
fn late_ms(at: &DateTime<Utc>) -> f64 {
    f64::from(at.nanosecond() % 1_000_000_000) / 1e6
}

/// The burst on each peer's only executor; redengine's on `main` (`inline`) or `thread`.
fn burst(lib: Lib, n: usize, inline: bool) -> Result<f64, String> {
    use redengine::Execution;
    match lib {
        Lib::Ours if inline => ours::burst(n, Execution::Main),
        Lib::Ours => ours::burst(n, Execution::Thread),
        Lib::Tcs => tcs::burst(n),
        Lib::Clokwerk => clok::burst(n),
    }
}

/// Where the thread burst's one-thread-per-task comparison is kept (not a floor of the
/// row: a pooled run starts no thread).
pub(crate) const BURST_SPAWNED: &str = "burst_10k_spawned";

/// One thread per task: runs per second of `n` threads, each named like a task's and
/// running an empty body, from the first spawn to the last body's end.
fn burst_spawned(n: usize) -> f64 {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let done = Arc::new(AtomicUsize::new(0));
    let last = Arc::new(Mutex::new(None::<Instant>));
    let start = Instant::now();
    for i in 0..n {
        let (done, last) = (Arc::clone(&done), Arc::clone(&last));
        let spawned = std::thread::Builder::new()
            .name(format!("redengine:t{i}"))
            .spawn(move || {
                if done.fetch_add(1, Ordering::Relaxed) + 1 == n {
                    if let Ok(mut slot) = last.lock() {
                        *slot = Some(Instant::now());
                    }
                }
            });
        if spawned.is_err() {
            return f64::NAN;
        }
    }
    while done.load(Ordering::Relaxed) < n {
        std::thread::yield_now();
    }
    let end = last
        .lock()
        .ok()
        .and_then(|l| *l)
        .unwrap_or_else(Instant::now);
    n as f64 / secs(end - start)
}

/// The child modes of the peers: `child peer <launch|burst|burst_inline|latency|idle>
/// <library> <tasks>`. The burst modes print runs/s, `latency` the median and p99 over
/// `<tasks>` firings, `idle` the percent of a core over a window of `<tasks>` ms: one
/// scenario alone, for a profiler or to keep other scenarios' threads out of it.
pub(crate) const CHILD: &str = "peer";
const CHILD_LAUNCH: &str = "launch";
const CHILD_BURST: &str = "burst";
const CHILD_BURST_INLINE: &str = "burst_inline";
const CHILD_LATENCY: &str = "latency";
const CHILD_IDLE: &str = "idle";

/// Runs in a child: `launch` prints `cycle` once the first check ran.
pub(crate) fn child(args: &[String]) -> Result<(), String> {
    let [what, lib, n] = args else {
        return Err(
            "usage: child peer <launch|burst|burst_inline|latency|idle> <library> <tasks>"
                .to_string(),
        );
    };
    let lib = Lib::from_key(lib).ok_or_else(|| format!("unknown library `{lib}`"))?;
    let n: usize = n.parse().map_err(|_| format!("not a task count: `{n}`"))?;
    let print = |line: &str| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    };
    match (what.as_str(), lib) {
        (CHILD_LAUNCH, Lib::Ours) => crate::launch::child(crate::launch::CHILD_LAUNCH, n),
        (CHILD_LAUNCH, Lib::Tcs) => tcs::first_check(n, || print("cycle")),
        (CHILD_LAUNCH, Lib::Clokwerk) => clok::first_check(n, || print("cycle")),
        (CHILD_LATENCY, lib) => {
            let late = latencies(lib, n)?;
            print(&format!(
                "median {:.3} ms p99 {:.3} ms",
                percentile(&late, 0.5),
                percentile(&late, 0.99)
            ));
            Ok(())
        }
        (CHILD_IDLE, lib) => {
            let percent = idle_cpu(lib, Duration::from_millis(n as u64))?;
            print(&format!("{percent}"));
            Ok(())
        }
        (CHILD_BURST | CHILD_BURST_INLINE, lib) => {
            let rate = burst(lib, n, what == CHILD_BURST_INLINE)?;
            print(&format!("{rate:.0}"));
            Ok(())
        }
        (other, _) => Err(format!("unknown peer child mode `{other}`")),
    }
}

/// Starts `child peer <what> <lib> <n>`; the time until its first stdout line, and it.
fn spawn_child(lib: Lib, what: &str, n: usize) -> Result<(Duration, String), String> {
    crate::launch::first_line(&["child", CHILD, what, lib.key(), &n.to_string()])
}

/// A daily time about two hours ahead (UTC, kept inside the day): the idle tasks' time.
pub(crate) fn idle_time() -> (u32, u32) {
    let later = Utc::now() + chrono::TimeDelta::hours(2);
    let minute = (later.hour() * 60 + later.minute()).min(23 * 60 + 44);
    (minute / 60, minute % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=30).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 15.0);
        assert_eq!(percentile(&v, 0.99), 30.0);
        assert!(percentile(&[], 0.5).is_nan());
    }

    #[test]
    fn lateness_is_the_part_after_the_second() {
        let at = DateTime::from_timestamp(1_704_283_200, 1_500_000).unwrap_or_default();
        assert!((late_ms(&at) - 1.5).abs() < 1e-9);
    }
}
