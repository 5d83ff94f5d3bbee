//! Rows about what one cycle costs as the session grows while nothing changes: a loop
//! iteration with 1,000 / 10,000 / 100,000 idle tasks (the cost must follow the tasks
//! that changed, not the tasks that exist), and peak RSS with 10,000 tasks: scheduled and
//! not due (the target, the scenario the peers rows compare), and each run once with the
//! memory log keeping all 20,000 records (measured: it grows with the records kept).

use redengine::{Execution, Session, Task, Zone};

use crate::probe::{noon, FrozenClock};
use crate::report::{Row, Target, Unit};
use crate::Samples;

/// Microseconds of one loop iteration (cycle + next deadline) with `tasks` tasks whose
/// `daily between …` is false now, on a frozen clock (cycles back to back).
pub(crate) fn idle_cycle(tasks: usize) -> Result<f64, String> {
    let builder = Session::builder()
        .clock(FrozenClock(noon()))
        .zone(Zone::Utc)
        .log_memory()
        .task_execution(Execution::Main)
        .with_tasks((0..tasks).map(|i| {
            Task::builder(format!("t{i}"))
                .start_cond("daily between 08:00 and 08:15")
                .run(|_| ())
        }));
    // The first iterations evaluate every task once; the rest are idle.
    Ok(crate::idle::cycle_time(builder, 200, 2)?.as_secs_f64() * 1e6)
}

/// One interleaved run of this module's measurements.
pub(crate) fn measure(s: &mut Samples) {
    s.take("cycle_idle_1k", || idle_cycle(1_000));
    s.take("cycle_idle_10k", || idle_cycle(10_000));
    s.take("cycle_idle_100k", || idle_cycle(100_000));
    s.take("rss_10000", || {
        crate::launch::program_rss("rss_redengine", &["scheduled", "10000"])
    });
    s.take("rss_10000_ran", || crate::launch::peak_rss(Some(10_000)));
}

/// This module's rows.
pub(crate) fn rows(s: &Samples) -> Vec<Row> {
    let g = |k: &str| s.get(k);
    let cycle = |key: &'static str, what: &'static str| {
        Row::new(key, what, Unit::Us, g(key), Target::AtMost(10.0), None)
    };
    vec![
        cycle("cycle_idle_1k", "one loop iteration, 1,000 idle tasks"),
        cycle("cycle_idle_10k", "one loop iteration, 10,000 idle tasks"),
        cycle("cycle_idle_100k", "one loop iteration, 100,000 idle tasks"),
        Row::new(
            "rss_10000",
            "peak RSS, 10,000 tasks scheduled (not due)",
            Unit::Mib,
            g("rss_10000"),
            Target::AtMost(5.0),
            g("floor_rss_program"),
        ),
        Row::new(
            "rss_10000_ran",
            "peak RSS, 10,000 tasks run once each (memory log: 20,000 records kept)",
            Unit::Mib,
            g("rss_10000_ran"),
            // Informational: the memory log keeps every record, so this grows with them.
            Target::Measured,
            g("floor_rss_program"),
        ),
    ]
}
