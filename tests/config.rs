//! One test per configuration key (docs/runtime.md#configuration), each checking its
//! documented behaviour.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use redengine::{
    Action, Config, ErrorKind, Execution, Restarting, Session, Task, TaskPreExist, Terminated,
    TerminationFlag, Timeout, Zone,
};

use common::{actions, builder, count, monday, of};

fn once() -> &'static str {
    "scheduler has more than 0 cycles"
}

#[test]
fn defaults_are_the_seeds() {
    let c = Config::default();
    assert_eq!(c.task_pre_exist, TaskPreExist::Raise);
    assert!(!c.use_instance_naming);
    assert!(c.silence_task_prerun && c.silence_cond_check);
    assert!(!c.force_status_from_logs && !c.instant_shutdown);
    assert_eq!(c.cycle_sleep, None);
    assert_eq!(c.task_execution, Execution::Process);
    assert_eq!(c.timeout, Timeout::After(Duration::from_secs(1800)));
    assert!(c.max_process_count == 0 && c.process_limit() >= 1);
    assert_eq!(c.shut_cond, "false");
    assert_eq!(c.restarting, Restarting::Replace);
}

#[test]
fn string_keys_set_typed_values() {
    let mut c = Config::default();
    for (k, v) in [
        ("task_pre_exist", "rename"),
        ("use_instance_naming", "true"),
        ("silence_task_prerun", "False"),
        ("silence_cond_check", "false"),
        ("force_status_from_logs", "true"),
        ("cycle_sleep", "0.5"),
        ("task_execution", "inline"),
        ("timeout", "2 hours"),
        ("max_process_count", "3"),
        ("instant_shutdown", "true"),
        ("shut_cond", "scheduler has more than 2 cycles"),
        ("restarting", "recall"),
    ] {
        c.set(k, v).unwrap_or_else(|e| panic!("{k}={v}: {e}"));
    }
    assert_eq!(c.task_pre_exist, TaskPreExist::Rename);
    assert_eq!(c.cycle_sleep, Some(Duration::from_millis(500)));
    assert_eq!(c.task_execution, Execution::Main);
    assert_eq!(c.timeout, Timeout::After(Duration::from_secs(7200)));
    assert_eq!(c.max_process_count, 3);
    assert_eq!(c.restarting, Restarting::Recall);
    c.set("timeout", "never").unwrap();
    assert_eq!(c.timeout, Timeout::Never);
    c.set("timeout", "60").unwrap();
    assert_eq!(c.timeout, Timeout::After(Duration::from_secs(60)));
}

#[test]
fn every_invalid_setting_is_reported_at_once() {
    let text = Session::builder()
        .config("task_pre_exist", "overwrite")
        .config("cycle_slep", "1")
        .config("timeout", "soon")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        text.starts_with("the session cannot start: 3 problems"),
        "{text}"
    );
    assert!(text.contains("`task_pre_exist`"), "{text}");
    assert!(text.contains("did you mean `cycle_sleep`"), "{text}");
    assert!(text.contains("`timeout`"), "{text}");
}

#[test]
fn invalid_values_name_the_key_and_the_accepted_values() {
    let err = Session::builder()
        .config("task_pre_exist", "overwrite")
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("`task_pre_exist`")
            && text.contains("`raise`, `replace`, `ignore`, `rename`"),
        "{text}"
    );
    let text = Session::builder()
        .config("task_execution", "threads")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("`task_execution`") && text.contains("`thread`"),
        "{text}"
    );
    let text = Session::builder()
        .config("timeout", "soon")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("`timeout`") && text.contains("never"),
        "{text}"
    );
    let text = Session::builder()
        .config("cycle_slep", "1")
        .build()
        .unwrap_err()
        .to_string();
    assert!(text.contains("did you mean `cycle_sleep`"), "{text}");
    let text = Session::builder()
        .config("max_process_count", "0")
        .build()
        .unwrap_err()
        .to_string();
    assert!(text.contains("at least 1"), "{text}");
    let text = Session::builder()
        .config("silence_cond_check", "yes")
        .build()
        .unwrap_err()
        .to_string();
    assert!(text.contains("`true`, `false`"), "{text}");
}

fn marker(
    tag: &'static str,
    seen: &Arc<Mutex<Vec<&'static str>>>,
) -> impl Fn(&redengine::TaskContext) + Send + Sync + 'static {
    let seen = seen.clone();
    move |_| seen.lock().unwrap().push(tag)
}

fn dupes(
    policy: TaskPreExist,
) -> (
    Result<(), redengine::Error>,
    Vec<&'static str>,
    redengine::MemoryLog,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (b, _clock, log) = builder(monday(8, 0));
    let result = b
        .task_pre_exist(policy)
        .task_execution(Execution::Main)
        .shut_cond(once())
        .task(
            Task::builder("x")
                .start_cond("true")
                .run(marker("first", &seen)),
        )
        .task(
            Task::builder("x")
                .start_cond("true")
                .run(marker("second", &seen)),
        )
        .build()
        .unwrap()
        .run();
    let seen = seen.lock().unwrap().clone();
    (result, seen, log)
}

#[test]
fn task_pre_exist_raise_lists_every_location() {
    let (result, seen, _) = dupes(TaskPreExist::Raise);
    let err = result.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("task name 'x' is defined 2 times"), "{text}");
    assert_eq!(text.matches("tests/config.rs:").count(), 3, "{text}");
    assert!(seen.is_empty());
}

#[test]
fn task_pre_exist_replace_keeps_the_new_task() {
    let (result, seen, _) = dupes(TaskPreExist::Replace);
    result.unwrap();
    assert_eq!(seen, ["second"]);
}

#[test]
fn task_pre_exist_ignore_keeps_the_previous_task() {
    let (result, seen, _) = dupes(TaskPreExist::Ignore);
    result.unwrap();
    assert_eq!(seen, ["first"]);
}

#[test]
fn task_pre_exist_rename_numbers_the_new_task() {
    let (result, seen, log) = dupes(TaskPreExist::Rename);
    result.unwrap();
    assert_eq!(seen, ["first", "second"]);
    assert_eq!(count(&log, "x", Action::Success), 1);
    assert_eq!(count(&log, "x - 1", Action::Success), 1);
}

#[test]
fn use_instance_naming() {
    let (b, _clock, _log) = builder(monday(8, 0));
    let err = b
        .task(Task::unnamed().run(|_| ()))
        .build()
        .unwrap()
        .run()
        .unwrap_err();
    assert!(err.to_string().contains("use_instance_naming"), "{err}");

    let (b, _clock, log) = builder(monday(8, 0));
    let task = Task::unnamed()
        .start_cond("true")
        .execution(Execution::Main)
        .run(|_| ());
    let id = task.instance_id().to_string();
    b.use_instance_naming(true)
        .shut_cond(once())
        .task(task)
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(count(&log, &id, Action::Success), 1);
}

fn failing_param(silence: bool) -> (Result<(), redengine::Error>, redengine::MemoryLog, usize) {
    let later = Arc::new(AtomicUsize::new(0));
    let l = later.clone();
    let (b, _clock, log) = builder(monday(8, 0));
    let result = b
        .silence_task_prerun(silence)
        .task_execution(Execution::Main)
        .shut_cond("scheduler has more than 1 cycles")
        .param_fn("db", |_| Err::<String, _>("database is down"))
        .task(
            Task::builder("needs_db")
                .start_cond("true")
                .arg::<String>("db")
                .run(|_| ()),
        )
        .task(Task::builder("later").start_cond("true").run(move |_| {
            l.fetch_add(1, Ordering::SeqCst);
        }))
        .build()
        .unwrap()
        .run();
    (result, log, later.load(Ordering::SeqCst))
}

#[test]
fn silence_task_prerun_true_logs_and_continues() {
    let (result, log, later) = failing_param(true);
    result.unwrap();
    let fails = of(&log, "needs_db", Action::Fail);
    assert_eq!(fails.len(), 2);
    assert!(
        fails[0].exc_text.contains("database is down"),
        "{:?}",
        fails[0]
    );
    assert_eq!(count(&log, "needs_db", Action::Run), 2);
    assert_eq!(later, 2);
}

#[test]
fn silence_task_prerun_false_stops_the_scheduler() {
    let (result, log, later) = failing_param(false);
    let err = result.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::PreRun(_)), "{err}");
    assert!(err.to_string().contains("database is down"), "{err}");
    // The failure is still logged run + fail.
    assert_eq!(
        actions(&log),
        [
            ("needs_db".to_string(), Action::Run),
            ("needs_db".to_string(), Action::Fail)
        ]
    );
    assert_eq!(later, 0);
}

fn failing_condition(silence: bool) -> (Result<(), redengine::Error>, redengine::MemoryLog) {
    let (b, _clock, log) = builder(monday(8, 0));
    let result = b
        .silence_cond_check(silence)
        .task_execution(Execution::Main)
        .shut_cond(once())
        .condition("flaky", |_| Err("sensor offline".to_string()))
        .task(Task::builder("guarded").start_cond("flaky").run(|_| ()))
        .task(Task::builder("plain").start_cond("true").run(|_| ()))
        .build()
        .unwrap()
        .run();
    (result, log)
}

#[test]
fn silence_cond_check_true_counts_as_false() {
    let (result, log) = failing_condition(true);
    result.unwrap();
    assert_eq!(count(&log, "guarded", Action::Run), 0);
    assert_eq!(count(&log, "plain", Action::Success), 1);
}

#[test]
fn silence_cond_check_false_stops_the_scheduler() {
    let (result, log) = failing_condition(false);
    let err = result.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Condition(_)), "{err}");
    assert!(err.to_string().contains("sensor offline"), "{err}");
    assert!(log.records().is_empty());
}

#[test]
fn force_status_from_logs_never_changes_an_answer() {
    let run = |force: bool| {
        let (b, _clock, log) = builder(monday(0, 0));
        b.force_status_from_logs(force)
            .task_execution(Execution::Main)
            .shut_cond("scheduler has run over 2 days")
            .task(Task::builder("a").start_cond("hourly").run(|_| ()))
            .task(Task::builder("b").start_cond("after task 'a'").run(|_| ()))
            .build()
            .unwrap()
            .run()
            .unwrap();
        log.records()
    };
    let (cached, forced) = (run(false), run(true));
    // 48 hours plus the run at exactly 2 days (the shut_cond is "more than").
    assert_eq!(cached.len(), 4 * 49);
    assert_eq!(cached, forced);
}

#[test]
fn cycle_sleep_pauses_after_each_cycle() {
    let (b, _clock, _log) = builder(monday(8, 0));
    let times: Arc<Mutex<Vec<DateTime<Utc>>>> = Arc::default();
    let t = times.clone();
    b.cycle_sleep(Some(Duration::from_millis(1500)))
        .shut_cond("scheduler has more than 3 cycles")
        .on_cycle(move |info| {
            t.lock().unwrap().push(info.now);
            Ok(None)
        })
        .build()
        .unwrap()
        .run()
        .unwrap();
    let times = times.lock().unwrap();
    assert_eq!(times.len(), 4);
    for pair in times.windows(2) {
        assert_eq!((pair[1] - pair[0]).num_milliseconds(), 1500);
    }
}

#[test]
fn task_execution_default_is_process_and_thread_runs_on_a_thread_named_after_the_task() {
    let (b, _clock, log) = builder(monday(8, 0));
    b.shut_cond(once())
        .task(Task::builder("p").start_cond("true").run(|_| ()))
        .build()
        .unwrap()
        .run()
        .unwrap();
    let fail = &of(&log, "p", Action::Fail)[0];
    assert!(
        fail.exc_text.contains("does not run process children"),
        "{fail:?}"
    );

    let (b, _clock, log) = builder(monday(8, 0));
    let names = Arc::new(Mutex::new(None));
    let n = names.clone();
    b.task_execution(Execution::Thread)
        .shut_cond("task 't' has succeeded")
        .task(Task::builder("t").start_cond("daily").run(move |ctx| {
            // The OS name (what `top -H` and gdb show) is the task's; the Rust name is the
            // pool's, and the body has its task's name from the context.
            let os = std::fs::read_to_string("/proc/thread-self/comm").unwrap();
            let rust = std::thread::current().name().map(str::to_string);
            *n.lock().unwrap() = Some((os, rust, ctx.task_name().to_string()));
        }))
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(count(&log, "t", Action::Success), 1);
    let (os, rust, task) = names.lock().unwrap().clone().unwrap();
    assert_eq!(os, "t\n");
    assert_eq!(rust.as_deref(), Some("redengine"));
    assert_eq!(task, "t");
}

/// A thread body that stops when its flag is set.
fn cooperative(ctx: &redengine::TaskContext) -> Terminated {
    let flag: &TerminationFlag = ctx.termination();
    while !flag.is_set() {
        std::thread::park_timeout(Duration::from_millis(1));
    }
    Terminated
}

#[test]
fn timeout_config_terminates_cooperative_threads() {
    let (b, clock, log) = builder(monday(8, 0));
    let clock = clock.with_grace(Duration::from_millis(20));
    b.clock(clock)
        .config("timeout", "2 hours")
        .task_execution(Execution::Thread)
        .shut_cond("task 'slow' has terminated")
        .task(Task::builder("slow").start_cond("daily").run(cooperative))
        .build()
        .unwrap()
        .run()
        .unwrap();
    let t = &of(&log, "slow", Action::Terminate)[0];
    assert_eq!(t.message, "timeout");
    // Strictly more than the timeout after the start, at the first instant it can be.
    let runtime = t.runtime.unwrap();
    assert!(
        runtime > Duration::from_secs(7200) && runtime < Duration::from_secs(7201),
        "{runtime:?}"
    );
}

#[test]
fn max_process_count_is_validated_and_kept() {
    let s = Session::builder().max_process_count(2).build().unwrap();
    assert_eq!(s.config().max_process_count, 2);
    let s = Session::builder()
        .config("max_process_count", 5)
        .build()
        .unwrap();
    assert_eq!(s.config().max_process_count, 5);
}

#[test]
fn instant_shutdown_does_not_wait_for_threads() {
    let (b, _clock, log) = builder(monday(8, 0));
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let wait = Mutex::new(wait);
    b.instant_shutdown(true)
        .task_execution(Execution::Thread)
        .shut_cond("task 'stubborn' is running")
        .task(Task::builder("stubborn").start_cond("true").run(move |_| {
            // Ignores its termination flag until the test releases it.
            let _ = wait.lock().unwrap().recv();
        }))
        .build()
        .unwrap()
        .run()
        .unwrap();
    let t = of(&log, "stubborn", Action::Terminate);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].message, "shutdown");
    release.send(()).unwrap();
}

#[test]
fn graceful_shutdown_waits_and_terminates_permanent_tasks() {
    let (b, clock, log) = builder(monday(8, 0));
    b.clock(clock.with_grace(Duration::from_millis(20)))
        .task_execution(Execution::Thread)
        .shut_cond("task 'forever' is running")
        .task(
            Task::builder("forever")
                .permanent(true)
                .start_cond("true")
                .run(cooperative),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    let t = of(&log, "forever", Action::Terminate);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].message, "shutdown");
}

#[test]
fn shut_cond_is_checked_before_every_cycle() {
    let (b, _clock, _log) = builder(monday(8, 0));
    let cycles = Arc::new(AtomicUsize::new(0));
    let c = cycles.clone();
    b.shut_cond("scheduler has more than 2 cycles")
        .on_cycle(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
            Ok(None)
        })
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(cycles.load(Ordering::SeqCst), 3);
}

#[test]
fn restarting_recall_runs_start_up_again_in_process() {
    let (b, _clock, log) = builder(monday(8, 0));
    let starts = Arc::new(AtomicUsize::new(0));
    let s = starts.clone();
    b.restarting(Restarting::Recall)
        .task_execution(Execution::Main)
        .shut_cond("task 'boot' has succeeded")
        .on_startup(move |info| {
            if s.fetch_add(1, Ordering::SeqCst) == 0 {
                info.handle.restart();
            }
            Ok(None)
        })
        .task(Task::builder("boot").on_startup(true).run(|_| ()))
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(starts.load(Ordering::SeqCst), 2);
    // Start-up ran twice; the second start-up saw the first run in the log and still ran
    // the on_startup task (it is forced).
    assert_eq!(count(&log, "boot", Action::Success), 2);
}

#[test]
fn zone_sets_the_wall_clock_of_periods_and_record_offsets() {
    let (b, _clock, log) = builder(monday(0, 0));
    let plus2 = FixedOffset::east_opt(2 * 3600).unwrap();
    b.zone(Zone::Fixed(plus2))
        .task_execution(Execution::Main)
        .shut_cond("task 'wake' has succeeded")
        .task(
            Task::builder("wake")
                .start_cond("daily after 08:00")
                .run(|_| ()),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    let run = &of(&log, "wake", Action::Run)[0];
    assert_eq!(run.created.offset(), &plus2);
    assert_eq!(run.created.hour(), 8);
    assert_eq!(run.created.with_timezone(&Utc).hour(), 6);
}
