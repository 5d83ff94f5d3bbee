//! The peers scenarios on redengine (the ones the main table does not already measure).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use chrono::{DateTime, Utc};
use redengine::{Execution, Session, SessionHandle, Task, Zone};

use crate::probe::secs;

/// The instants at which a `secondly` task's body ran, `n` times.
pub(super) fn firings(n: usize) -> Result<Vec<DateTime<Utc>>, String> {
    let stamps = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let late: Arc<OnceLock<SessionHandle>> = Arc::new(OnceLock::new());
    let (s, l) = (Arc::clone(&stamps), Arc::clone(&late));
    let task = Task::builder("tick")
        .start_cond("secondly")
        .execution(Execution::Main)
        .run(move |_| {
            let now = Utc::now();
            if let Ok(mut s) = s.lock() {
                s.push(now);
                if s.len() >= n {
                    if let Some(h) = l.get() {
                        h.shutdown();
                    }
                }
            }
        });
    let mut session = Session::builder()
        .zone(Zone::Utc)
        .log_memory()
        .handle_signals(false)
        .task(task)
        .build()
        .map_err(|e| e.to_string())?;
    let _ = late.set(session.handle());
    session.run().map_err(|e| e.to_string())?;
    let stamps = stamps.lock().map_err(|e| e.to_string())?.clone();
    Ok(stamps)
}

/// Runs per second of `n` tasks run once each by `run_tasks` on `execution`, from the
/// scheduler's start (its startup hook: the tasks are prepared, as clokwerk's jobs are
/// built before `run_pending()` and tokio-cron-scheduler's added before `start()`) to the
/// last body's end.
pub(super) fn burst(n: usize, execution: Execution) -> Result<f64, String> {
    let done = Arc::new(AtomicUsize::new(0));
    let last = Arc::new(Mutex::new(None::<Instant>));
    let names: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
    let tasks = names.iter().map(|name| {
        let (done, last) = (Arc::clone(&done), Arc::clone(&last));
        Task::builder(name).execution(execution).run(move |_| {
            if done.fetch_add(1, Ordering::Relaxed) + 1 == n {
                if let Ok(mut slot) = last.lock() {
                    *slot = Some(Instant::now());
                }
            }
        })
    });
    let started = Arc::new(Mutex::new(None::<Instant>));
    let stamp = Arc::clone(&started);
    let mut session = Session::builder()
        .zone(Zone::Utc)
        .log_memory()
        .handle_signals(false)
        .with_tasks(tasks)
        .on_startup(move |_| {
            if let Ok(mut slot) = stamp.lock() {
                *slot = Some(Instant::now());
            }
            Ok(None)
        })
        .build()
        .map_err(|e| e.to_string())?;
    session
        .run_tasks(names.iter().map(String::as_str), false)
        .map_err(|e| e.to_string())?;
    let start = started
        .lock()
        .map_err(|e| e.to_string())?
        .ok_or("the startup hook did not run")?;
    let end = last
        .lock()
        .map_err(|e| e.to_string())?
        .ok_or("not every run finished")?;
    Ok(n as f64 / secs(end - start))
}
