//! cluster: the rows of the design note, what one leader costs: appends per second on
//! its one connection, and a cycle in which many tasks' input changed.

use std::time::Instant;

use redengine::{Execution, Session, Task, Zone};

use super::pg;
use crate::probe::secs;

/// Records appended per second to the PostgreSQL log by a leader: one connection, one
/// committed, epoch-checked `INSERT` each (a `run` and a `success`, alternately). The
/// write side of a leader's cycle: two records per run.
pub(crate) fn append_rate(records: usize) -> Result<f64, String> {
    use redengine::{Action, LogStore, TaskRecord};
    let url = pg::try_database("bench_append")?;
    let mut log = redengine::PostgresLog::new(&url).standby(false);
    log.load().map_err(|e| e.to_string())?;
    let at = chrono::Utc::now().fixed_offset();
    let start = Instant::now();
    for i in 0..records {
        let record = if i % 2 == 0 {
            TaskRecord::run("t", at)
        } else {
            TaskRecord::finish("t", Action::Success, at, at, "")
        };
        log.append(&record).map_err(|e| e.to_string())?;
    }
    Ok(records as f64 / secs(start.elapsed()))
}

/// The leader's cost when every task's input changed: µs of one loop iteration in which
/// `x` ran (in the cycle, on the memory log) and each of `tasks` tasks reading it
/// (`after task 'x' failed`, false: x succeeds) is evaluated again. Frozen clock, cycles
/// back to back. With the idle rows (nothing changed), this brackets a leader's cycle.
pub(crate) fn changed_cycle(tasks: usize) -> Result<f64, String> {
    let builder = Session::builder()
        .clock(crate::probe::FrozenClock(crate::probe::noon()))
        .zone(Zone::Utc)
        .log_memory()
        .task_execution(Execution::Main)
        .task(Task::builder("x").start_cond("true").run(|_| ()))
        .with_tasks((0..tasks).map(|i| {
            Task::builder(format!("t{i}"))
                .start_cond("after task 'x' failed")
                .run(|_| ())
        }));
    Ok(crate::idle::cycle_time(builder, 60, 2)?.as_secs_f64() * 1e6)
}
