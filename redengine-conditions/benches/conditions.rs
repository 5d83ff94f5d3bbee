//! Evaluation speed against large histories (the target: at most 200 ns per evaluation, flat in log size).
//!
//! `cargo bench -p redengine-conditions --bench conditions`

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use redengine_conditions::{
    Action, AfterOutcome, AfterTasks, Anchor, Condition, Context, History, Period, Scope, Window,
    Zone,
};

const HOUR: u64 = 3_600_000_000;

/// `records` records spread over `tasks` tasks: run/success pairs one minute apart,
/// ending just before `now`.
fn history(records: usize, tasks: usize, now: DateTime<Utc>) -> History {
    let mut history = History::new();
    let names: Vec<String> = (0..tasks).map(|i| format!("task_{i}")).collect();
    let first = now - TimeDelta::minutes(records as i64 / 2 + 1);
    for i in 0..records / 2 {
        let task = &names[i % tasks];
        let at = first + TimeDelta::minutes(i as i64);
        history.push(task, Action::Run, at);
        history.push(task, Action::Success, at + TimeDelta::seconds(30));
    }
    history.push("get_data", Action::Success, now - TimeDelta::minutes(5));
    history
}

fn bench(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2024, 1, 3, 12, 0, 0).unwrap();
    // daily between 08:00 and 08:15 (false at 12:00: outside the window)
    let daily_between = Condition::Periodic(Period {
        scope: Scope::Day,
        window: Window::Between(
            Anchor::Offset(8 * HOUR),
            Anchor::Offset(8 * HOUR + HOUR / 4),
        ),
    });
    // after task 'get_data' succeeded & daily
    let after_and_daily = Condition::All(vec![
        Condition::After(AfterTasks {
            tasks: vec!["get_data".to_owned()],
            any: false,
            outcome: AfterOutcome::Succeeded,
        }),
        Condition::Periodic(Period {
            scope: Scope::Day,
            window: Window::Whole,
        }),
    ]);
    let mut group = c.benchmark_group("evaluate");
    for records in [100_000, 1_000_000] {
        let history = history(records, 1_000, now);
        let ctx = Context::new(now, Zone::Utc, &history).with_owner("task_7");
        assert!(!daily_between.evaluate(&ctx).unwrap_or(true));
        // `after` holds (get_data succeeded 5 minutes ago), so `daily` is evaluated too.
        assert!(after_and_daily.evaluate(&ctx).is_ok());
        group.bench_with_input(
            BenchmarkId::new("daily between 08:00 and 08:15", records),
            &ctx,
            |b, ctx| b.iter(|| black_box(&daily_between).evaluate(black_box(ctx))),
        );
        group.bench_with_input(
            BenchmarkId::new("after task 'get_data' succeeded & daily", records),
            &ctx,
            |b, ctx| b.iter(|| black_box(&after_and_daily).evaluate(black_box(ctx))),
        );
        group.bench_with_input(
            BenchmarkId::new("next_change daily between", records),
            &ctx,
            |b, ctx| b.iter(|| black_box(&daily_between).next_change(black_box(ctx))),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
