//! Async rows: redengine's `execution = "async"` and tokio-cron-scheduler on the same
//! scenarios, in the same run, each library expressing the scenario its own way.
//!
//! * dispatch: a dependent job starts when its upstream job finishes; the latency from the
//!   upstream's last line to the dependent's first line. redengine says it with
//!   `after task 'a' succeeded`; tokio-cron-scheduler has no dependencies, so the program
//!   adds a one-shot job due at once when the upstream's body reports it finished.
//! * runs/s: `RUNS` async jobs due now, each awaiting a yield; runs per second from
//!   starting the scheduler to the last body's end. redengine: `run_tasks` over `RUNS`
//!   async tasks; tokio-cron-scheduler: `RUNS` one-shot jobs due at once, then `start()`.
//!
//! Both use one tokio runtime with 2 worker threads, made here. tokio-cron-scheduler
//! checks for due jobs every 500 ms, which bounds its dispatch latency.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use redengine::{Session, SessionHandle, Task, Zone};
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::probe::{median, secs};

/// The runtime both libraries run their jobs on.
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

/// redengine: median microseconds from `a`'s last line to `b`'s first line, `rounds`
/// times (`a` after `b` finished, `b` after `a` succeeded).
pub(crate) fn dispatch_ours(rounds: usize) -> Result<f64, String> {
    let rt = runtime()?;
    let late: Arc<OnceLock<SessionHandle>> = Arc::new(OnceLock::new());
    let a_end = Arc::new(Mutex::new(None::<Instant>));
    let gaps = Arc::new(Mutex::new(Vec::<f64>::with_capacity(rounds)));
    let end = Arc::clone(&a_end);
    let a = Task::builder("a")
        .start_cond("after task 'b' finished")
        .force_run(true)
        .run_async(move |_| {
            let end = Arc::clone(&end);
            async move {
                tokio::task::yield_now().await;
                if let Ok(mut slot) = end.lock() {
                    *slot = Some(Instant::now());
                }
            }
        });
    let (end, g, l) = (Arc::clone(&a_end), Arc::clone(&gaps), Arc::clone(&late));
    let b = Task::builder("b")
        .start_cond("after task 'a' succeeded")
        .run_async(move |_| {
            let (end, g, l) = (Arc::clone(&end), Arc::clone(&g), Arc::clone(&l));
            async move {
                let first = Instant::now();
                let upstream = end.lock().ok().and_then(|mut s| s.take());
                if let (Some(at), Ok(mut g)) = (upstream, g.lock()) {
                    g.push(secs(first - at) * 1e6);
                    if g.len() >= rounds {
                        if let Some(h) = l.get() {
                            h.shutdown();
                        }
                    }
                }
            }
        });
    let mut session = Session::builder()
        .zone(Zone::Utc)
        .log_memory()
        .handle_signals(false)
        .tokio_handle(rt.handle().clone())
        .task(a)
        .task(b)
        .build()
        .map_err(err)?;
    let _ = late.set(session.handle());
    session.run().map_err(err)?;
    let gaps = gaps.lock().map_err(err)?.clone();
    Ok(median(gaps))
}

/// tokio-cron-scheduler: median microseconds from a job's last line to the first line of
/// the job the program adds when it hears the first one finished, `rounds` times.
pub(crate) fn dispatch_tcs(rounds: usize) -> Result<f64, String> {
    let rt = runtime()?;
    rt.block_on(async move {
        let mut sched = JobScheduler::new().await.map_err(err)?;
        sched.start().await.map_err(err)?;
        let mut gaps = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let (finished, heard) = tokio::sync::oneshot::channel::<Instant>();
            let finished = Arc::new(Mutex::new(Some(finished)));
            let upstream = Job::new_one_shot_async(Duration::ZERO, move |_, _| {
                let finished = finished.lock().ok().and_then(|mut f| f.take());
                Box::pin(async move {
                    tokio::task::yield_now().await;
                    if let Some(finished) = finished {
                        let _ = finished.send(Instant::now());
                    }
                })
            })
            .map_err(err)?;
            sched.add(upstream).await.map_err(err)?;
            let upstream_end = heard.await.map_err(err)?;
            let (started, first_line) = tokio::sync::oneshot::channel::<Instant>();
            let started = Arc::new(Mutex::new(Some(started)));
            let dependent = Job::new_one_shot_async(Duration::ZERO, move |_, _| {
                let started = started.lock().ok().and_then(|mut s| s.take());
                Box::pin(async move {
                    if let Some(started) = started {
                        let _ = started.send(Instant::now());
                    }
                })
            })
            .map_err(err)?;
            sched.add(dependent).await.map_err(err)?;
            let first = first_line.await.map_err(err)?;
            gaps.push(secs(first - upstream_end) * 1e6);
        }
        sched.shutdown().await.map_err(err)?;
        Ok(median(gaps))
    })
}

/// redengine: runs per second of `runs` async tasks due now, from `run_tasks` to the last
/// body's end.
pub(crate) fn runs_ours(runs: usize) -> Result<f64, String> {
    let rt = runtime()?;
    let done = Arc::new(AtomicUsize::new(0));
    let last = Arc::new(Mutex::new(None::<Instant>));
    let names: Vec<String> = (0..runs).map(|i| format!("t{i}")).collect();
    let tasks = names.iter().map(|name| {
        let (done, last) = (Arc::clone(&done), Arc::clone(&last));
        Task::builder(name).run_async(move |_| {
            let (done, last) = (Arc::clone(&done), Arc::clone(&last));
            async move {
                tokio::task::yield_now().await;
                if done.fetch_add(1, Ordering::Relaxed) + 1 == runs {
                    if let Ok(mut slot) = last.lock() {
                        *slot = Some(Instant::now());
                    }
                }
            }
        })
    });
    let mut session = Session::builder()
        .zone(Zone::Utc)
        .log_memory()
        .handle_signals(false)
        .tokio_handle(rt.handle().clone())
        .with_tasks(tasks)
        .build()
        .map_err(err)?;
    let start = Instant::now();
    session
        .run_tasks(names.iter().map(String::as_str), false)
        .map_err(err)?;
    let end = last.lock().map_err(err)?.ok_or("not every run finished")?;
    Ok(runs as f64 / secs(end - start))
}

/// tokio-cron-scheduler: runs per second of `runs` one-shot async jobs due now, from
/// `start()` to the last body's end.
pub(crate) fn runs_tcs(runs: usize) -> Result<f64, String> {
    let rt = runtime()?;
    rt.block_on(async move {
        // Its default channels hold 200 notifications and drop the rest: sized for all.
        let mut sched = JobScheduler::new_with_channel_size(2 * runs)
            .await
            .map_err(err)?;
        let done = Arc::new(AtomicUsize::new(0));
        let (finished, all_done) = tokio::sync::oneshot::channel::<Instant>();
        let finished = Arc::new(Mutex::new(Some(finished)));
        for _ in 0..runs {
            let (done, finished) = (Arc::clone(&done), Arc::clone(&finished));
            let job = Job::new_one_shot_async(Duration::ZERO, move |_, _| {
                let (done, finished) = (Arc::clone(&done), Arc::clone(&finished));
                Box::pin(async move {
                    tokio::task::yield_now().await;
                    if done.fetch_add(1, Ordering::Relaxed) + 1 == runs {
                        if let Some(f) = finished.lock().ok().and_then(|mut f| f.take()) {
                            let _ = f.send(Instant::now());
                        }
                    }
                })
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
        Ok(runs as f64 / secs(end - start))
    })
}
