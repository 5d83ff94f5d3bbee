//! tests/incremental.rs's comparison on what it leaves out: a cycle that evaluates only
//! the tasks whose deadline came or whose inputs changed must launch exactly what
//! evaluating every task every cycle launches (`force_status_from_logs`) also in named
//! zones across both DST changes, with tasks changed through a `SessionHandle` while the
//! scheduler runs (disabled, enabled, a new start condition, forced), and with a wall
//! clock stepped back while it runs.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use redengine::{Alarm, Clock, Execution, ManualClock, MemoryLog, Session, Task, Zone};

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
fn condition(d: &mut Dice, n: u64) -> String {
    let other = |d: &mut Dice| format!("t{}", d.roll(n));
    let one = |d: &mut Dice| -> String {
        match d.roll(14) {
            0 => {
                let h = d.roll(23);
                let (m1, m2) = (d.roll(60), d.roll(60));
                format!("daily between {h:02}:{m1:02} and {:02}:{m2:02}", h + 1)
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
            8 => "hourly".to_string(),
            9 => format!("hourly after {:02}:00", d.roll(60)),
            10 => format!("task '{}' has failed today", other(d)),
            11 => format!("hourly & ~task '{}' has started this hour", other(d)),
            12 => format!("cron {} {} * * *", d.roll(60), d.roll(24)),
            _ => format!("scheduler started {} minutes ago", 1 + d.roll(5)),
        }
    };
    match d.roll(4) {
        0 => format!("{} & {}", one(d), one(d)),
        1 => format!("{} | {}", one(d), one(d)),
        _ => one(d),
    }
}

/// A wall clock a task can step back: the manual clock's time minus `back`.
#[derive(Clone)]
struct Stepped {
    inner: ManualClock,
    back: Arc<Mutex<TimeDelta>>,
}

impl Clock for Stepped {
    fn now(&self) -> DateTime<Utc> {
        self.inner.now() - *self.back.lock().unwrap()
    }

    fn sleep(&self, deadline: Option<DateTime<Utc>>, alarm: &Alarm) {
        let back = *self.back.lock().unwrap();
        self.inner.sleep(deadline.map(|d| d + back), alarm);
    }
}

/// What a scenario adds to the random tasks.
#[derive(Clone, Copy)]
struct Scenario {
    start: (i32, u32, u32, u32),
    zone: &'static str,
    /// A task changes other tasks through the session's handle every 13 minutes.
    manage: bool,
    /// A task steps the wall clock back 30 minutes every 47 minutes.
    step_back: bool,
}

/// Runs the session of `seed` for eight virtual hours; its records as text.
fn records(seed: u64, everything: bool, s: Scenario) -> Vec<String> {
    let (y, mo, d0, h) = s.start;
    let clock = ManualClock::new(Utc.with_ymd_and_hms(y, mo, d0, h, 0, 0).unwrap());
    let wall = Stepped {
        inner: clock.clone(),
        back: Arc::default(),
    };
    let log = MemoryLog::new();
    let mut d = Dice(seed);
    let n = 30;
    let mut tasks: Vec<Task> = (0..n)
        .map(|i| {
            let cond = condition(&mut d, n);
            let fails = d.roll(4) == 0;
            let takes = Duration::from_secs(d.roll(120));
            let retries = if fails && d.roll(2) == 0 { 1 } else { 0 };
            let clock = clock.clone();
            Task::builder(format!("t{i}"))
                .start_cond(cond)
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
    if s.manage {
        let dice = Mutex::new(Dice(seed ^ 0xab_cdef));
        tasks.push(
            Task::builder("manager")
                .start_cond("every 13 minutes")
                .run(move |ctx| {
                    let handle = ctx.session().unwrap();
                    let mut d = dice.lock().unwrap();
                    let task = format!("t{}", d.roll(n));
                    // From the loop's own thread: queued, applied at the next cycle.
                    let _ = match d.roll(4) {
                        0 => handle.disable_task(&task),
                        1 => handle.enable_task(&task),
                        2 => handle.set_start_cond(&task, &condition(&mut d, n)),
                        _ => {
                            handle.force_run(&task);
                            Ok(())
                        }
                    };
                }),
        );
    }
    if s.step_back {
        let back = Arc::clone(&wall.back);
        tasks.push(
            Task::builder("stepper")
                .start_cond("every 47 minutes")
                .run(move |_| *back.lock().unwrap() += TimeDelta::minutes(30)),
        );
    }
    let mut session = Session::builder()
        .clock(wall)
        .zone(Zone::from_name(s.zone).unwrap())
        .log_store(log.clone())
        .task_execution(Execution::Main)
        .force_status_from_logs(everything)
        .shut_cond("scheduler has run over 8 hours")
        .with_tasks(tasks)
        .build()
        .unwrap();
    session.run().unwrap();
    log.records()
        .iter()
        .map(|r| format!("{} {} {} {}", r.created, r.task_name, r.action, r.attempt))
        .collect()
}

/// Both ways write the same records, for each seed.
fn compare(s: Scenario, seeds: std::ops::RangeInclusive<u64>) {
    for seed in seeds {
        let everything = records(seed, true, s);
        let incremental = records(seed, false, s);
        assert!(everything.len() > 50, "seed {seed}: too few records");
        let first =
            (0..everything.len().min(incremental.len())).find(|&k| everything[k] != incremental[k]);
        if let Some(k) = first {
            for (j, line) in everything.iter().enumerate().take(k).skip(k - k.min(8)) {
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

const PLAIN: Scenario = Scenario {
    start: (2024, 1, 1, 9),
    zone: "UTC",
    manage: false,
    step_back: false,
};

#[test]
fn across_the_spring_dst_change_in_new_york() {
    // 2024-03-10 02:00 EST: clocks go to 03:00; the run starts at 23:00 the day before.
    let s = Scenario {
        start: (2024, 3, 10, 4),
        zone: "America/New_York",
        ..PLAIN
    };
    compare(s, 1..=30);
}

#[test]
fn across_the_autumn_dst_change_in_london() {
    // 2024-10-27 02:00 BST: clocks go back to 01:00.
    let s = Scenario {
        start: (2024, 10, 26, 22),
        zone: "Europe/London",
        ..PLAIN
    };
    compare(s, 1..=30);
}

/// Found the retry of a disabled task that the incremental cycle never launched.
#[test]
fn with_tasks_changed_through_the_handle_while_running() {
    let s = Scenario {
        manage: true,
        ..PLAIN
    };
    compare(s, 1..=40);
}

#[test]
fn with_the_wall_clock_stepped_back_while_running() {
    let s = Scenario {
        start: (2024, 1, 1, 20),
        step_back: true,
        ..PLAIN
    };
    compare(s, 1..=40);
}
