//! Criterion benches of the scheduler's hot paths (the README's Performance section): one
//! loop iteration with N idle tasks, and dispatch from an upstream run's end to its
//! dependent's first line.
//!
//! `cargo bench -p redengine-bench --bench scheduler`
//!
//! Both drive a real `Session::run` and use `iter_custom`: the session runs exactly the
//! requested number of iterations and reports the time they took, measured inside the
//! loop (cycle hooks, task bodies), so start-up and shutdown are not counted.

#![allow(missing_docs)]

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use redengine::{Alarm, Clock, Execution, Session, SessionHandle, Task, Zone};

/// Frozen at noon, never waits: cycles run back to back.
struct Frozen(DateTime<Utc>);

impl Clock for Frozen {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
    fn sleep(&self, _: Option<DateTime<Utc>>, _: &Alarm) {}
}

fn noon() -> DateTime<Utc> {
    DateTime::from_timestamp(1_704_283_200, 0).unwrap_or_default()
}

/// Total time of `iters` loop iterations with `tasks` idle tasks.
fn idle_cycles(tasks: usize, iters: u64) -> Duration {
    let marks = Arc::new(Mutex::new((None::<Instant>, Duration::ZERO)));
    let seen = Arc::clone(&marks);
    let session = Session::builder()
        .clock(Frozen(noon()))
        .zone(Zone::Utc)
        .log_memory()
        .task_execution(Execution::Main)
        .with_tasks((0..tasks).map(|i| {
            Task::builder(format!("t{i}"))
                .start_cond("daily between 08:00 and 08:15")
                .run(|_| ())
        }))
        .on_cycle(move |info| {
            if let Ok(mut m) = seen.lock() {
                // Cycle 0 warms up; iterations 1..=iters are timed.
                match (info.cycles, m.0) {
                    (0, _) => m.0 = Some(Instant::now()),
                    (c, Some(start)) if c >= iters => {
                        m.1 = start.elapsed();
                        info.handle.shutdown();
                    }
                    _ => {}
                }
            }
            Ok(None)
        })
        .build();
    if let Ok(mut session) = session {
        let _ = session.run();
    }
    marks.lock().map(|m| m.1).unwrap_or_default()
}

fn cycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("cycle_idle");
    for tasks in [100, 1_000, 10_000] {
        group.throughput(Throughput::Elements(tasks as u64));
        group.bench_with_input(BenchmarkId::from_parameter(tasks), &tasks, |b, &tasks| {
            b.iter_custom(|iters| idle_cycles(tasks, iters.max(1)));
        });
    }
    group.finish();
}

/// Total time from `a`'s last line to `b`'s first line over `iters` rounds.
fn dispatch_rounds(execution: Execution, iters: u64) -> Duration {
    let late: Arc<OnceLock<SessionHandle>> = Arc::new(OnceLock::new());
    let a_end = Arc::new(Mutex::new(None::<Instant>));
    let total = Arc::new(Mutex::new((0u64, Duration::ZERO)));
    let end = Arc::clone(&a_end);
    let a = Task::builder("a")
        // `main`: a round can fit in one µs, and `after task` compares µs instants
        // strictly, so a ping-pong could stall; one cycle runs a then b anyway.
        .start_cond(if execution == Execution::Main {
            "true"
        } else {
            "after task 'b' finished"
        })
        .force_run(true)
        .execution(execution)
        .run(move |_| {
            if let Ok(mut s) = end.lock() {
                *s = Some(Instant::now());
            }
        });
    let (end, t, l) = (Arc::clone(&a_end), Arc::clone(&total), Arc::clone(&late));
    let b = Task::builder("b")
        .start_cond("after task 'a' succeeded")
        .execution(execution)
        .run(move |_| {
            let first = Instant::now();
            let at = end.lock().ok().and_then(|mut s| s.take());
            if let (Some(at), Ok(mut t)) = (at, t.lock()) {
                t.0 += 1;
                t.1 += first - at;
                if t.0 >= iters {
                    if let Some(h) = l.get() {
                        h.shutdown();
                    }
                }
            }
        });
    let session = Session::builder()
        .zone(Zone::Utc)
        .log_memory()
        .task(a)
        .task(b)
        .build();
    if let Ok(mut session) = session {
        let _ = late.set(session.handle());
        let _ = session.run();
    }
    total.lock().map(|t| t.1).unwrap_or_default()
}

fn dispatch(c: &mut Criterion) {
    let mut group = c.benchmark_group("dispatch");
    for execution in [Execution::Main, Execution::Thread] {
        group.bench_function(execution.as_str(), |b| {
            b.iter_custom(|iters| dispatch_rounds(execution, iters.max(1)));
        });
    }
    group.finish();
}

criterion_group!(benches, cycle, dispatch);
criterion_main!(benches);
