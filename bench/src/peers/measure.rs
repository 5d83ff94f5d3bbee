//! How each peers scenario is measured on each library: in this process (a check, a
//! burst, firings), in a child process of its own (launch, idle CPU; `child peer …`), or in
//! a small program that links one library (peak RSS). The peers mode ([`super::run`])
//! calls these once per run and library.

use std::time::{Duration, Instant};

use chrono::{DateTime, Timelike, Utc};

use super::scenarios::Lib;
use super::{clok, ours, tcs};
use crate::probe::{median, secs};

/// Samples per run of the launch scenario.
const LAUNCHES: usize = 9;

/// The nearest-rank percentile `p` of `samples`.
pub(super) fn percentile(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = ((p * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[rank - 1]
}

/// Percent of one core a scheduler with 1,000 tasks not due uses over `window`, measured
/// in a child process of its own: in this process, threads left by the scenarios before
/// (runtimes, servers, pools of the other libraries) would be counted with it.
pub(super) fn idle_cpu_alone(lib: Lib, window: Duration) -> Result<f64, String> {
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

pub(super) fn check(lib: Lib, n: usize) -> Result<f64, String> {
    match lib {
        Lib::Ours => crate::idle::cond_check(n).map(|ns| ns * n as f64 / 1e3),
        Lib::Tcs => tcs::tick_cpu(n),
        Lib::Clokwerk => clok::check(n),
    }
}

pub(super) fn launch(lib: Lib, n: usize) -> Result<f64, String> {
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
pub(super) fn rss(lib: Lib, n: usize) -> Result<f64, String> {
    let n = n.to_string();
    match lib {
        Lib::Ours => crate::launch::program_rss("rss_redengine", &["scheduled", &n]),
        Lib::Tcs => crate::launch::program_rss("rss_tcs", &[&n]),
        Lib::Clokwerk => crate::launch::program_rss("rss_clokwerk", &[&n]),
    }
}

pub(super) fn latencies(lib: Lib, firings: usize) -> Result<Vec<f64>, String> {
    let stamps = match lib {
        Lib::Ours => ours::firings(firings + 1)?,
        Lib::Tcs => tcs::firings(firings + 1)?,
        Lib::Clokwerk => clok::firings(firings + 1)?,
    };
    Ok(lateness(&stamps))
}

/// Each firing's lateness in ms. The first firing can be a start-up run (`secondly` runs
/// in the second it starts): it is discarded for every library and for the floor.
pub(super) fn lateness(stamps: &[DateTime<Utc>]) -> Vec<f64> {
    stamps.iter().skip(1).map(late_ms).collect()
}

/// Milliseconds after the whole second `at` falls in: the lateness of a firing scheduled
/// for that second.
fn late_ms(at: &DateTime<Utc>) -> f64 {
    f64::from(at.nanosecond() % 1_000_000_000) / 1e6
}

/// The burst on each peer's only executor; redengine's on `main` (`inline`) or `thread`.
pub(super) fn burst(lib: Lib, n: usize, inline: bool) -> Result<f64, String> {
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
pub(super) fn burst_spawned(n: usize) -> f64 {
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
