//! A cycle evaluates only the tasks whose deadline came or whose inputs changed; this
//! checks that it launches exactly what evaluating every task every cycle launches
//! (`force_status_from_logs` keeps that path): the same randomised sessions on virtual
//! time, run both ways, must write the same records in the same order.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use redengine::{Execution, ManualClock, MemoryLog, Session, Task, Zone};

/// A small deterministic generator (64-bit LCG): the same seed, the same session.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// One random start condition for a task of `n`.
fn condition(d: &mut Dice, n: usize) -> String {
    let other = |d: &mut Dice| format!("t{}", d.roll(n as u64));
    let one = |d: &mut Dice| -> String {
        match d.roll(11) {
            0 => {
                let h = d.roll(23);
                format!(
                    "daily between {h:02}:{:02} and {:02}:{:02}",
                    d.roll(60),
                    h + 1,
                    d.roll(60)
                )
            }
            1 => format!("every {} minutes", 1 + d.roll(90)),
            2 => format!("cron */{} * * * *", 1 + d.roll(30)),
            3 => format!("after task '{}'", other(d)),
            4 => format!("after task '{}' failed", other(d)),
            5 => format!(
                "task '{}' has succeeded more than {} times in past 2 hours",
                other(d),
                2 + d.roll(3)
            ),
            6 => format!(
                "time of day between {:02}:00 and {:02}:30",
                d.roll(12),
                12 + d.roll(11)
            ),
            7 => format!("task '{}' is running", other(d)),
            8 => "odd_minute".to_string(),
            9 => format!("hourly after {:02}:00", d.roll(60)),
            _ => format!("scheduler started {} minutes ago", 1 + d.roll(5)),
        }
    };
    match d.roll(4) {
        0 => format!("{} & {}", one(d), one(d)),
        1 => format!("{} | {}", one(d), one(d)),
        _ => one(d),
    }
}

/// Runs the session of `seed` for six virtual hours; its records as text.
fn records(seed: u64, everything: bool) -> Vec<String> {
    let start: DateTime<Utc> = common::monday(9, 0);
    let clock = ManualClock::new(start);
    let log = MemoryLog::new();
    let mut d = Dice(seed);
    let n = 50;
    let tasks: Vec<Task> = (0..n)
        .map(|i| {
            let cond = condition(&mut d, n);
            let fails = d.roll(4) == 0;
            let takes = Duration::from_secs(d.roll(120));
            let zone = if d.roll(5) == 0 {
                Zone::from_name("Asia/Tokyo").unwrap_or(Zone::Utc)
            } else {
                Zone::Utc
            };
            let retries = if fails && d.roll(2) == 0 { 1 } else { 0 };
            let clock = clock.clone();
            Task::builder(format!("t{i}"))
                .start_cond(cond)
                .zone(zone)
                .retries(retries)
                .retry_delay("3 minutes")
                .run(move |_| -> Result<(), String> {
                    clock.advance(takes);
                    if fails {
                        Err("planned failure".into())
                    } else {
                        Ok(())
                    }
                })
        })
        .collect();
    let mut session = Session::builder()
        .clock(clock.clone())
        .zone(Zone::Utc)
        .log_store(log.clone())
        .task_execution(Execution::Main)
        .force_status_from_logs(everything)
        .shut_cond("scheduler has run over 6 hours")
        .condition("odd_minute", |ctx| Ok(ctx.now().timestamp() / 60 % 2 == 1))
        .with_tasks(tasks)
        .build()
        .unwrap();
    session.run().unwrap();
    log.records()
        .iter()
        .map(|r| format!("{} {} {} {}", r.created, r.task_name, r.action, r.attempt))
        .collect()
}

/// The incremental cycle and the evaluate-everything cycle write the same records.
#[test]
fn the_incremental_cycle_launches_exactly_what_evaluating_everything_launches() {
    for seed in 1..=40 {
        let everything = records(seed, true);
        let incremental = records(seed, false);
        assert!(
            everything.len() > 100,
            "seed {seed}: too few records to compare"
        );
        if let Some(k) =
            (0..everything.len().min(incremental.len())).find(|&k| everything[k] != incremental[k])
        {
            // The records before the difference, both ways, to read what led to it.
            for (j, line) in everything
                .iter()
                .enumerate()
                .take(k)
                .skip(k.saturating_sub(12))
            {
                eprintln!("{j}: {line}");
            }
            panic!(
                "seed {seed}: record {k} differs:\n  everything:  {}\n  incremental: {}",
                everything[k], incremental[k]
            );
        }
        assert_eq!(everything.len(), incremental.len(), "seed {seed}");
    }
}
