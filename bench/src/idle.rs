//! Rows about a scheduler with nothing to do: the cost of checking conditions per task
//! and cycle, `after task` checks against big logs, idle CPU, and creating many tasks.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use redengine::conditions::{parse, Condition, Context, History};
use redengine::{Action, Execution, MemoryLog, Session, Task, TaskRecord, Zone};

use crate::probe::{cpu_time, median, noon, secs, window_ahead, FrozenClock};

/// The condition of the check-cost rows (false at noon).
const DAILY: &str = "daily between 08:00 and 08:15";

/// Runs `session` on a frozen clock for `cycles` cycles and returns the median time of
/// one loop iteration (cycle + computing the next deadline), from cycle hook to cycle hook,
/// leaving out the first `warm` gaps (caches warming, the first full evaluation).
pub(crate) fn cycle_time(
    builder: redengine::SessionBuilder,
    cycles: u64,
    warm: usize,
) -> Result<Duration, String> {
    let marks = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let seen = Arc::clone(&marks);
    let mut session = builder
        .on_cycle(move |info| {
            if let Ok(mut m) = seen.lock() {
                m.push(Instant::now());
            }
            if info.cycles >= cycles {
                info.handle.shutdown();
            }
            Ok(None)
        })
        .build()
        .map_err(|e| e.to_string())?;
    session.run().map_err(|e| e.to_string())?;
    let marks = marks.lock().map_err(|e| e.to_string())?;
    let gaps: Vec<f64> = marks
        .windows(2)
        .skip(warm)
        .map(|w| secs(w[1] - w[0]))
        .collect();
    Ok(Duration::from_secs_f64(median(gaps)))
}

/// Nanoseconds per task of one loop iteration with `tasks` tasks whose `daily between …`
/// is false now.
pub(crate) fn cond_check(tasks: usize) -> Result<f64, String> {
    let cycles = (200_000 / tasks).clamp(5, 200) as u64;
    let builder = Session::builder()
        .clock(FrozenClock(noon()))
        .zone(Zone::Utc)
        .log_memory()
        .task_execution(Execution::Main)
        .with_tasks(
            (0..tasks).map(|i| Task::builder(format!("t{i}")).start_cond(DAILY).run(|_| ())),
        );
    let per_cycle = cycle_time(builder, cycles, 1)?;
    Ok(secs(per_cycle) * 1e9 / tasks as f64)
}

/// The floor of `cond_check`: evaluating the parsed condition directly, ns per check.
pub(crate) fn cond_check_floor() -> Result<f64, String> {
    let cond = parse(DAILY).map_err(|e| e.to_string())?;
    let history = History::new();
    let ctx = Context::new(noon(), Zone::Utc, &history).with_owner("t0");
    Ok(per_eval(&cond, &ctx, 200_000))
}

fn per_eval(cond: &Condition, ctx: &Context<'_>, n: u32) -> f64 {
    let samples = (0..7)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..n {
                std::hint::black_box(cond.evaluate(std::hint::black_box(ctx)).ok());
            }
            secs(start.elapsed()) * 1e9 / f64::from(n)
        })
        .collect();
    median(samples)
}

/// Owners of the `after task` rows.
const OWNERS: usize = 1_000;

/// `records` log records: `x` succeeded first, then run/success pairs of the owners, so
/// `after task 'x' succeeded` is false for every owner (it started after x succeeded).
fn after_log(records: usize) -> Vec<TaskRecord> {
    let base: DateTime<FixedOffset> = noon().fixed_offset() - TimeDelta::days(30);
    let mut out = Vec::with_capacity(records + 2);
    out.push(TaskRecord::run("x", base));
    out.push(TaskRecord::finish("x", Action::Success, base, base, ""));
    for i in 0..records / 2 {
        let name = format!("t{}", i % OWNERS);
        let at = base + TimeDelta::seconds(i as i64 + 1);
        out.push(TaskRecord::run(&name, at));
        out.push(TaskRecord::finish(&name, Action::Success, at, at, ""));
    }
    out
}

/// Nanoseconds per `after task 'x' succeeded` check in the scheduler loop, with 1,000
/// owners and `records` records in the log read at start-up.
pub(crate) fn after_check(records: usize) -> Result<f64, String> {
    let log = MemoryLog::with_records(after_log(records));
    let owners = (0..OWNERS).map(|i| {
        Task::builder(format!("t{i}"))
            .start_cond("after task 'x' succeeded")
            .run(|_| ())
    });
    let builder = Session::builder()
        .clock(FrozenClock(noon()))
        .zone(Zone::Utc)
        .log_store(log)
        .task_execution(Execution::Main)
        .task(Task::builder("x").run(|_| ()))
        .with_tasks(owners);
    let per_cycle = cycle_time(builder, 100, 1)?;
    Ok(secs(per_cycle) * 1e9 / (OWNERS + 1) as f64)
}

/// The floor of `after_check`: the bare evaluation against the same history.
pub(crate) fn after_check_floor(records: usize) -> Result<f64, String> {
    let mut history = History::new();
    for r in after_log(records) {
        history.push(&r.task_name, r.action, r.created.with_timezone(&Utc));
    }
    let cond = parse("after task 'x' succeeded").map_err(|e| e.to_string())?;
    let ctx = Context::new(noon(), Zone::Utc, &history).with_owner("t7");
    Ok(per_eval(&cond, &ctx, 200_000))
}

/// Percent of one core used by a scheduler with 1,000 tasks whose conditions are false
/// (real clock, real waits) over `window`: every thread of this process counts, so the
/// rows run it in a child of its own (`child peer idle redengine <ms>`).
pub(crate) fn idle_cpu(window: Duration) -> Result<f64, String> {
    let cond = window_ahead();
    let mut session = Session::builder()
        .zone(Zone::Utc)
        .log_memory()
        .task_execution(Execution::Main)
        .with_tasks((0..1_000).map(|i| {
            Task::builder(format!("t{i}"))
                .start_cond(cond.as_str())
                .run(|_| ())
        }))
        .build()
        .map_err(|e| e.to_string())?;
    let handle = session.handle();
    let runner = std::thread::spawn(move || session.run().map_err(|e| e.to_string()));
    std::thread::sleep(Duration::from_millis(500)); // start-up and the first cycle
    let (cpu0, t0) = (cpu_time(), Instant::now());
    std::thread::sleep(window);
    let (cpu1, wall) = (cpu_time(), t0.elapsed());
    handle.shutdown();
    runner
        .join()
        .map_err(|_| "the idle scheduler thread panicked".to_string())??;
    let used = match (cpu0, cpu1) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => return Err("/proc/self/task/*/schedstat is not readable".to_string()),
    };
    Ok(secs(used) / secs(wall) * 100.0)
}

/// Milliseconds to create `n` tasks (each after the previous one, so ignite resolves
/// `n` task names), build the session and run every ignite check.
pub(crate) fn creation(n: usize) -> Result<f64, String> {
    let start = Instant::now();
    let tasks = (0..n).map(|i| {
        let cond = if i == 0 {
            DAILY.to_string()
        } else {
            format!("after task 't{}' succeeded", i - 1)
        };
        Task::builder(format!("t{i}")).start_cond(cond).run(|_| ())
    });
    let session = Session::builder()
        .log_memory()
        .with_tasks(tasks)
        .build()
        .map_err(|e| e.to_string())?;
    session.ignite().map_err(|e| e.to_string())?;
    let took = start.elapsed();
    drop(session);
    Ok(secs(took) * 1e3)
}
