//! The peers scenarios on tokio-cron-scheduler: sync jobs on a tokio runtime with two
//! worker threads (the machine's cores), each scheduler started with `start()`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::probe::{cpu_time, secs};

/// How often its loop looks for due jobs (documented on `JobScheduler::start`).
const TICK: Duration = Duration::from_millis(500);

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A scheduler with `n` daily jobs two hours ahead, started.
async fn idle_scheduler(n: usize) -> Result<JobScheduler, String> {
    let sched = JobScheduler::new().await.map_err(err)?;
    let (h, m) = super::scenarios::idle_time();
    let cron = format!("0 {m} {h} * * *");
    for _ in 0..n {
        sched
            .add(Job::new(cron.as_str(), |_, _| ()).map_err(err)?)
            .await
            .map_err(err)?;
    }
    sched.start().await.map_err(err)?;
    Ok(sched)
}

/// CPU time of this process over `window` while the scheduler idles, in `unit`s.
fn cpu_over(n: usize, window: Duration) -> Result<Duration, String> {
    let rt = runtime()?;
    rt.block_on(async move {
        let mut sched = idle_scheduler(n).await?;
        tokio::time::sleep(Duration::from_millis(700)).await;
        let cpu0 = cpu_time();
        tokio::time::sleep(window).await;
        let cpu1 = cpu_time();
        sched.shutdown().await.map_err(err)?;
        match (cpu0, cpu1) {
            (Some(a), Some(b)) => Ok(b.saturating_sub(a)),
            _ => Err("/proc/self/task/*/schedstat is not readable".to_string()),
        }
    })
}

/// Percent of one core used with `n` jobs not due, over `window`.
pub(super) fn idle_cpu(n: usize, window: Duration) -> Result<f64, String> {
    Ok(secs(cpu_over(n, window)?) / secs(window) * 100.0)
}

/// Microseconds of CPU per tick with `n` jobs not due (it has no callable check).
pub(super) fn tick_cpu(n: usize) -> Result<f64, String> {
    let window = TICK * 4;
    let used = cpu_over(n, window)?;
    Ok(secs(used) / 4.0 * 1e6)
}

/// Builds and starts a scheduler with `n` jobs not due, waits for its first tick, calls
/// `ready`, and shuts down.
pub(super) fn first_check(n: usize, ready: impl FnOnce()) -> Result<(), String> {
    let rt = runtime()?;
    rt.block_on(async move {
        let mut sched = idle_scheduler(n).await?;
        // `start()` spawns the loop, which ticks at once; let it run.
        tokio::task::yield_now().await;
        ready();
        tokio::time::sleep(TICK + Duration::from_millis(50)).await;
        sched.shutdown().await.map_err(err)
    })
}

/// The instants at which a job on `* * * * * *` ran, `n` times.
pub(super) fn firings(n: usize) -> Result<Vec<DateTime<Utc>>, String> {
    let rt = runtime()?;
    rt.block_on(async move {
        let mut sched = JobScheduler::new().await.map_err(err)?;
        let stamps = Arc::new(Mutex::new(Vec::with_capacity(n)));
        let (tx, all) = tokio::sync::mpsc::unbounded_channel::<()>();
        let s = Arc::clone(&stamps);
        let job = Job::new("* * * * * *", move |_, _| {
            let now = Utc::now();
            if let Ok(mut s) = s.lock() {
                s.push(now);
                if s.len() == n {
                    let _ = tx.send(());
                }
            }
        })
        .map_err(err)?;
        sched.add(job).await.map_err(err)?;
        sched.start().await.map_err(err)?;
        let mut all = all;
        let limit = Duration::from_secs(n as u64 + 5);
        tokio::time::timeout(limit, all.recv())
            .await
            .map_err(|_| format!("{n} firings did not come within {limit:?}"))?;
        sched.shutdown().await.map_err(err)?;
        let stamps = stamps.lock().map_err(err)?.clone();
        Ok(stamps)
    })
}

/// Runs per second of `n` one-shot jobs due at once, from `start()` to the last body's
/// end.
pub(super) fn burst(n: usize) -> Result<f64, String> {
    let rt = runtime()?;
    rt.block_on(async move {
        // Its default channels hold 200 notifications and drop the rest: sized for all.
        let mut sched = JobScheduler::new_with_channel_size(2 * n)
            .await
            .map_err(err)?;
        let done = Arc::new(AtomicUsize::new(0));
        let (finished, all_done) = tokio::sync::oneshot::channel::<Instant>();
        let finished = Arc::new(Mutex::new(Some(finished)));
        for _ in 0..n {
            let (done, finished) = (Arc::clone(&done), Arc::clone(&finished));
            let job = Job::new_one_shot(Duration::ZERO, move |_, _| {
                if done.fetch_add(1, Ordering::Relaxed) + 1 == n {
                    if let Some(f) = finished.lock().ok().and_then(|mut f| f.take()) {
                        let _ = f.send(Instant::now());
                    }
                }
            })
            .map_err(err)?;
            sched.add(job).await.map_err(err)?;
        }
        let start = Instant::now();
        sched.start().await.map_err(err)?;
        let end = tokio::time::timeout(Duration::from_secs(60), all_done)
            .await
            .map_err(|_| "not every job ran within 60 s".to_string())?
            .map_err(err)?;
        sched.shutdown().await.map_err(err)?;
        Ok(n as f64 / secs(end - start))
    })
}
