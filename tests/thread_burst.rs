//! A burst of many different `thread` tasks runs on the pool's idle threads: a launch
//! starts a new thread only when every thread the pool has is busy.
//!
//! How many threads a burst takes depends on how fast the machine runs the bodies against
//! how fast the scheduler launches (a loaded machine can launch hundreds before the first
//! body runs), so the test does not count threads against a fixed number. It checks the
//! rule itself, launch by launch, from what the log says was in flight. This file is its
//! own test binary because the pool is per process: another test's runs would take and
//! return idle threads in between.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use redengine::{Action, Execution, Task};

use common::{builder, monday};

/// The most threads the pool keeps idle (`MAX_IDLE` in the runtime's thread pool): a
/// thread ends instead of waiting when this many already wait.
const MAX_IDLE: usize = 64;

#[test]
fn a_burst_of_different_thread_tasks_starts_a_thread_only_when_all_are_busy() {
    const TASKS: usize = 1_000;
    let (b, _clock, log) = builder(monday(8, 0));
    // The threads each task's runs ran on, in the order of its runs.
    let ran_on = Arc::new(Mutex::new(vec![Vec::<ThreadId>::new(); TASKS]));
    let names: Vec<String> = (0..TASKS).map(|i| format!("burst-{i}")).collect();
    let tasks = names.iter().enumerate().map(|(i, name)| {
        let ran_on = ran_on.clone();
        Task::builder(name)
            .run(move |_| ran_on.lock().unwrap()[i].push(std::thread::current().id()))
    });
    let mut session = b
        .task_execution(Execution::Thread)
        .with_tasks(tasks)
        .build()
        .unwrap();
    // All due at once, twice: the second burst starts with every thread of the first
    // idle, so its first launches must find them whatever the machine's speed.
    for _ in 0..2 {
        session
            .run_tasks(names.iter().map(String::as_str), false)
            .unwrap();
    }
    let ran_on = ran_on.lock().unwrap();
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();

    // Replay the log. A run's thread goes back on the idle list before it reports the
    // run's end, and the scheduler writes the end (`success`) only once the report is in:
    // at a launch, the threads busy with this test's runs are at most the runs launched
    // and not yet ended in the log. The pool ends a thread only when MAX_IDLE others wait
    // idle, so once it started that many, at least that many live (it also ends a thread
    // idle for 10 s, far longer than these bursts take, loaded or not). So a launch finds
    // an idle thread whenever the threads started so far (up to MAX_IDLE) outnumber the
    // runs in flight, and must not start one then.
    let mut seen: HashSet<ThreadId> = HashSet::new();
    let mut runs_of = vec![0; TASKS];
    let (mut in_flight, mut peak, mut reused_when_idle) = (0_usize, 0_usize, 0_usize);
    for record in log.records() {
        let i = index[record.task_name.as_str()];
        match record.action {
            Action::Run => {
                let thread = ran_on[i][runs_of[i]];
                runs_of[i] += 1;
                let idle_one = seen.len().min(MAX_IDLE) > in_flight;
                if idle_one {
                    assert!(
                        seen.contains(&thread),
                        "launch of {} started a thread while {} of the {} threads were \
                         idle ({in_flight} runs in flight)",
                        record.task_name,
                        seen.len().min(MAX_IDLE) - in_flight,
                        seen.len()
                    );
                    reused_when_idle += 1;
                }
                seen.insert(thread);
                in_flight += 1;
                peak = peak.max(in_flight);
            }
            Action::Success => in_flight -= 1,
            other => panic!("{}: unexpected {other:?}", record.task_name),
        }
    }
    assert_eq!(runs_of, vec![2; TASKS], "every task ran twice");
    assert_eq!(in_flight, 0);
    // The second burst's first launch found the first burst's threads idle.
    assert!(reused_when_idle >= 1);
    eprintln!(
        "{} thread runs ran on {} threads, at most {peak} in flight; {reused_when_idle} \
         launches found an idle thread",
        2 * TASKS,
        seen.len()
    );
}
