//! Throughput of the task log: appends (memory and CSV) and the start-up read.
//!
//! `csv_append` is the scheduler's path: one row per record, one `write` each, flushed but
//! not fsynced. `csv_append_fsync_each` shows why fsync is left to shutdown. `csv_load`
//! reads every record back; `csv_load_heads` is the scheduler's start-up read (task, action
//! and instant of each row into the history). Criterion reports element throughput, i.e.
//! rows/s. The whole start-up on a long log, with its peak memory, is measured by the
//! `log_startup` program of the tests package (`docs/log.md`).

#![allow(missing_docs)]

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, TimeDelta};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use redengine::log::{Action, CsvLog, LogStore, MemoryLog, TaskRecord};

fn bench_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redengine-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn records() -> [TaskRecord; 2] {
    let start: DateTime<FixedOffset> =
        DateTime::parse_from_rfc3339("2024-01-03T08:00:00.123456+01:00").unwrap_or_default();
    let end = start + TimeDelta::milliseconds(2500);
    [
        TaskRecord::run("get_data", start),
        TaskRecord::finish(
            "get_data",
            Action::Fail,
            start,
            end,
            "connection refused, retry later\nCaused by: os error 111",
        ),
    ]
}

fn append(c: &mut Criterion) {
    let rows = records();
    let mut group = c.benchmark_group("log");
    group.throughput(Throughput::Elements(1));

    let dir = bench_dir("append");
    let mut csv = CsvLog::new(dir.join("tasks.csv"));
    let mut i = 0usize;
    group.bench_function("csv_append", |b| {
        b.iter(|| {
            i += 1;
            csv.append(&rows[i % 2]).map_err(|e| e.to_string())
        });
    });
    let _ = csv.sync();
    drop(csv);
    let _ = std::fs::remove_dir_all(&dir);

    group.bench_function("memory_append", |b| {
        b.iter_batched_ref(
            MemoryLog::new,
            |log| {
                i += 1;
                log.append(&rows[i % 2]).map_err(|e| e.to_string())
            },
            BatchSize::SmallInput,
        );
    });

    group.sample_size(10);
    let dir = bench_dir("fsync");
    let mut csv = CsvLog::new(dir.join("tasks.csv"));
    group.bench_function("csv_append_fsync_each", |b| {
        b.iter(|| {
            i += 1;
            csv.append(&rows[i % 2])
                .and_then(|()| csv.sync())
                .map_err(|e| e.to_string())
        });
    });
    drop(csv);
    let _ = std::fs::remove_dir_all(&dir);
    group.finish();
}

fn load(c: &mut Criterion) {
    const ROWS: usize = 10_000;
    let rows = records();
    let dir = bench_dir("load");
    let path = dir.join("tasks.csv");
    let mut csv = CsvLog::new(&path);
    for i in 0..ROWS {
        if let Err(e) = csv.append(&rows[i % 2]) {
            eprintln!("cannot prepare the load bench: {e}");
            return;
        }
    }
    drop(csv);
    let mut group = c.benchmark_group("log");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("csv_load_10k", |b| {
        b.iter(|| {
            CsvLog::new(&path)
                .load()
                .map(|r| r.len())
                .map_err(|e| e.to_string())
        });
    });
    // The scheduler's start-up read: who, what and when of each row, no text kept.
    group.bench_function("csv_load_heads_10k", |b| {
        b.iter(|| {
            let mut history = redengine_conditions::History::new();
            CsvLog::new(&path)
                .load_heads(&mut |r| {
                    history.push(r.task_name, r.action, r.created.to_utc());
                })
                .map_err(|e| e.to_string())
        });
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, append, load);
criterion_main!(benches);
