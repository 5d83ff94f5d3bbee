//! Thousands of concurrent async runs share a runtime's few threads. Its own binary: it
//! counts the process's threads, which other tests would add to.

#![cfg(target_os = "linux")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redengine::{Action, MemoryLog, Session, Task, Zone};

/// The process's threads right now.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |dir| dir.count())
}

#[test]
fn a_thousand_async_runs_of_200_ms_finish_within_about_a_second_on_two_workers() {
    const RUNS: usize = 1_000;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let log = MemoryLog::new();
    let spans = Arc::new(Mutex::new(Vec::with_capacity(RUNS)));
    let most_threads = Arc::new(AtomicUsize::new(0));
    let mut builder = Session::builder()
        .zone(Zone::Utc)
        .log_store(log.clone())
        .handle_signals(false)
        .tokio_handle(runtime.handle().clone());
    let mut names = Vec::with_capacity(RUNS);
    for i in 0..RUNS {
        let name = format!("wait_{i}");
        let (spans, most) = (spans.clone(), most_threads.clone());
        builder = builder.task(Task::builder(&name).run_async(move |_| {
            let (spans, most) = (spans.clone(), most.clone());
            async move {
                let start = Instant::now();
                most.fetch_max(threads(), Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(200)).await;
                most.fetch_max(threads(), Ordering::SeqCst);
                spans.lock().unwrap().push((start, Instant::now()));
            }
        }));
        names.push(name);
    }
    let mut session = builder.build().unwrap();
    session
        .run_tasks(names.iter().map(String::as_str), false)
        .unwrap();

    let spans = spans.lock().unwrap();
    assert_eq!(spans.len(), RUNS);
    let first_start = spans.iter().map(|s| s.0).min().unwrap();
    let last_end = spans.iter().map(|s| s.1).max().unwrap();
    let took = last_end - first_start;
    let most = most_threads.load(Ordering::SeqCst);
    eprintln!("{RUNS} async runs of 200 ms: all done {took:?} after the first start; at most {most} threads");
    // About a second: 200 ms of waiting, the rest is launching 1,000 runs on a shared CI
    // machine. One thread per run would take 1,000 threads.
    assert!(took < Duration::from_millis(1_500), "took {took:?}");
    assert!(most < 20, "{most} threads");
    let successes = log
        .records()
        .iter()
        .filter(|r| r.action == Action::Success)
        .count();
    assert_eq!(successes, RUNS);
}
