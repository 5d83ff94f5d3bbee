//! Tasks managed while the scheduler runs (docs/runtime.md, "Managing tasks while
//! running"): added, removed, disabled, enabled and given a new start condition through a
//! `SessionHandle`, on virtual time.
//!
//! The changes come from an `admin` task running on a thread of its own: while a run is in
//! flight the manual clock stands still, so each change is taken by the loop at a known
//! virtual instant, and the caller waits for the loop's answer as any other thread would.

mod common;

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use redengine::{Action, Execution, SessionBuilder, SessionHandle, Task, TaskContext};

use common::{actions, builder, count, monday, of};

/// The `HH:MM` of each run of `task`, with the day (`Mon`/`Tue`).
fn runs(log: &redengine::MemoryLog, task: &str) -> Vec<String> {
    of(log, task, Action::Run)
        .iter()
        .map(|r| r.created.format("%a %H:%M").to_string())
        .collect()
}

/// One step of the `admin` task: a change through the handle, and what to remember of it.
type Step = Box<dyn Fn(&SessionHandle) -> String + Send + Sync>;

/// A thread task `admin` that runs `hourly` from 08:00 and does `steps[k]` at its k-th
/// run (nothing once they are done); what each step returns is kept in `said`.
fn admin(b: SessionBuilder, said: &Arc<Mutex<Vec<String>>>, steps: Vec<Step>) -> SessionBuilder {
    let said = said.clone();
    let turn = AtomicUsize::new(0);
    b.task(
        Task::builder("admin")
            .start_cond("hourly")
            .execution(Execution::Thread)
            .run(move |ctx: &TaskContext| {
                let k = turn.fetch_add(1, Ordering::SeqCst);
                if let Some(step) = steps.get(k) {
                    let handle = ctx.session().expect("thread runs have the handle");
                    said.lock().unwrap().push(step(handle));
                }
            }),
    )
}

/// What a change answered, as text: `ok` or the error's message.
fn answer(result: redengine::Result<()>) -> String {
    match result {
        Ok(()) => "ok".to_string(),
        Err(e) => e.to_string(),
    }
}

fn thread_task(name: &str, start_cond: &str) -> Task {
    Task::builder(name)
        .start_cond(start_cond)
        .execution(Execution::Thread)
        .run(|_| ())
}

#[test]
fn an_added_task_starts_at_its_condition_and_a_removed_one_never_again() {
    let (b, _clock, log) = builder(monday(8, 0));
    let said = Arc::new(Mutex::new(Vec::new()));
    let b = admin(
        b,
        &said,
        vec![
            // 08:00: add; 09:00: list; 10:00: remove; 11:00: add the same name again.
            Box::new(|h| answer(h.add_task(thread_task("added", "daily after 09:30")))),
            Box::new(|h| {
                let tasks = h.tasks();
                let added = tasks.iter().find(|t| t.name == "added").expect("listed");
                format!("{} {} {}", added.start_cond, added.disabled, added.running)
            }),
            Box::new(|h| answer(h.remove_task("added"))),
            Box::new(|h| answer(h.add_task(thread_task("added", "daily after 12:30")))),
        ],
    );
    b.shut_cond("scheduler has run over 2 days")
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(
        *said.lock().unwrap(),
        ["ok", "daily after 09:30 false false", "ok", "ok"]
    );
    // Monday 09:30 (the first version), then the second version from 12:30 on: the first
    // version's 09:30 never comes again, and its records stay in the log.
    assert_eq!(runs(&log, "added"), ["Mon 09:30", "Mon 12:30", "Tue 12:30"]);
    assert_eq!(count(&log, "added", Action::Success), 3);
}

#[test]
fn a_bad_task_is_refused_with_the_message_and_nothing_changes() {
    let (b, _clock, log) = builder(monday(8, 0));
    let said = Arc::new(Mutex::new(Vec::new()));
    let b = admin(
        b,
        &said,
        vec![Box::new(|h| {
            let bad_cond = answer(h.add_task(thread_task("bad", "daily afterr 09:00")));
            let taken = answer(h.add_task(thread_task("admin", "daily")));
            let unknown_return = answer(
                h.add_task(
                    Task::builder("reader")
                        .start_cond("daily")
                        .execution(Execution::Thread)
                        .returned_from::<u32>("data", "get_dta")
                        .run(|_| ()),
                ),
            );
            let unknown_task = answer(h.add_task(thread_task("after", "after task 'nope'")));
            let process = answer(
                h.add_task(
                    Task::builder("child")
                        .start_cond("daily")
                        .execution(Execution::Process)
                        .run(|_| ()),
                ),
            );
            let removed_unknown = answer(h.remove_task("admn"));
            format!(
                "{bad_cond}\n--\n{taken}\n--\n{unknown_return}\n--\n{unknown_task}\n--\n\
                 {process}\n--\n{removed_unknown}\n--\n{}",
                h.tasks().len()
            )
        })],
    );
    b.task(
        Task::builder("get_data")
            .start_cond("false")
            .execution(Execution::Thread)
            .run(|_| 1_u32),
    )
    .shut_cond("scheduler has run over 1 day")
    .build()
    .unwrap()
    .run()
    .unwrap();
    let said = said.lock().unwrap().join("");
    let parts: Vec<&str> = said.split("\n--\n").collect();
    assert_eq!(parts.len(), 7, "{said}");
    assert!(
        parts[0].starts_with("add task 'bad': refused, nothing changed")
            && parts[0].contains("invalid start_cond of task 'bad'"),
        "{}",
        parts[0]
    );
    assert!(
        parts[1].contains("task name 'admin' is taken") && parts[1].contains("manage.rs"),
        "{}",
        parts[1]
    );
    assert!(
        parts[2].contains("takes the return value of unknown task 'get_dta'")
            && parts[2].contains("did you mean 'get_data'?"),
        "{}",
        parts[2]
    );
    assert!(
        parts[3].contains("names unknown task 'nope'"),
        "{}",
        parts[3]
    );
    assert!(
        parts[4].contains("would run as a process") && parts[4].contains("`thread` or `main`"),
        "{}",
        parts[4]
    );
    assert!(
        parts[5].starts_with("remove task 'admn': refused")
            && parts[5].contains("did you mean 'admin'?"),
        "{}",
        parts[5]
    );
    // Nothing was added: the scheduler still has its two tasks, and only they ran.
    assert_eq!(parts[6], "2");
    assert!(actions(&log)
        .iter()
        .all(|(task, _)| task == "admin" || task == "get_data"));
}

#[test]
fn disable_and_enable_take_effect_at_the_next_cycle() {
    let (b, _clock, log) = builder(monday(7, 55));
    let said = Arc::new(Mutex::new(Vec::new()));
    let b = admin(
        b,
        &said,
        vec![
            // 07:55 (the admin's first hour): nothing; 08:00: disable; 09:00: enable.
            Box::new(|_| "start".to_string()),
            Box::new(|h| {
                let done = answer(h.disable_task("tick"));
                let listed = h.tasks().iter().any(|t| t.name == "tick" && t.disabled);
                format!("{done} {listed}")
            }),
            Box::new(|h| answer(h.enable_task("tick"))),
        ],
    );
    b.task(thread_task("tick", "every 20 minutes"))
        .shut_cond("scheduler has run over 3 hours")
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(*said.lock().unwrap(), ["start", "ok true", "ok"]);
    let ticks = runs(&log, "tick");
    // Every 20 minutes until 08:00; none while disabled; again from 09:00.
    assert_eq!(
        ticks,
        [
            "Mon 07:55",
            "Mon 09:00",
            "Mon 09:20",
            "Mon 09:40",
            "Mon 10:00",
            "Mon 10:20",
            "Mon 10:40",
        ],
        "{:?}",
        actions(&log)
    );
}

#[test]
fn a_new_start_condition_is_checked_and_applies_from_the_next_cycle() {
    let (b, _clock, log) = builder(monday(8, 0));
    let said = Arc::new(Mutex::new(Vec::new()));
    let b = admin(
        b,
        &said,
        vec![Box::new(|h| {
            let bad = answer(h.set_start_cond("report", "daily afterr 10:00"));
            let good = answer(h.set_start_cond("report", "daily after 10:00"));
            let listed = h
                .tasks()
                .into_iter()
                .find(|t| t.name == "report")
                .map(|t| t.start_cond)
                .unwrap_or_default();
            format!("{bad}\n{good}\n{listed}")
        })],
    );
    b.task(thread_task("report", "daily after 08:30"))
        .shut_cond("scheduler has run over 2 days")
        .build()
        .unwrap()
        .run()
        .unwrap();
    let said = said.lock().unwrap().join("");
    let lines: Vec<&str> = said.lines().collect();
    assert!(
        lines[0]
            .starts_with("set the start_cond of task 'report' to `daily afterr 10:00`: refused")
            && said.contains("invalid start_cond of task 'report'"),
        "{said}"
    );
    assert_eq!(
        lines[lines.len() - 2..],
        ["ok", "daily after 10:00"],
        "{said}"
    );
    // Not at 08:30 (the old condition): at 10:00, and the next day at 10:00.
    assert_eq!(runs(&log, "report"), ["Mon 10:00", "Tue 10:00"]);
}

#[test]
fn a_change_asked_before_run_applies_when_run_starts() {
    let (b, _clock, log) = builder(monday(8, 0));
    let mut session = b
        .task(thread_task("old", "daily after 08:30"))
        .task(thread_task("quiet", "daily after 08:30"))
        .shut_cond("scheduler has run over 1 day")
        .build()
        .unwrap();
    let handle = session.handle();
    assert!(handle.tasks().is_empty(), "nothing published before run()");
    assert_eq!(
        answer(handle.add_task(thread_task("early", "daily after 09:00"))),
        "ok"
    );
    assert_eq!(answer(handle.remove_task("old")), "ok");
    assert_eq!(answer(handle.disable_task("quiet")), "ok");
    session.run().unwrap();
    assert_eq!(runs(&log, "early"), ["Mon 09:00"]);
    assert!(runs(&log, "old").is_empty());
    assert!(runs(&log, "quiet").is_empty());
    // After run(): the list the scheduler published last.
    let tasks = handle.tasks();
    let names: Vec<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["quiet", "early"]);
    let early = &tasks[1];
    assert_eq!(
        (early.disabled, early.running, early.last),
        (false, false, Some((Action::Success, monday(9, 0))))
    );
    assert!(tasks[0].disabled && tasks[0].last.is_none());
}

#[test]
fn a_bad_change_asked_before_run_makes_run_fail() {
    let (b, _clock, log) = builder(monday(8, 0));
    let mut session = b.build().unwrap();
    let handle = session.handle();
    assert_eq!(answer(handle.remove_task("ghost")), "ok");
    assert_eq!(
        answer(handle.add_task(thread_task("bad", "daily afterr 09:00"))),
        "ok"
    );
    let err = session.run().unwrap_err().to_string();
    assert!(
        err.contains("invalid start_cond of task 'bad'")
            && err.contains("remove task 'ghost' (asked through a SessionHandle before run()): the session has no task of that name"),
        "{err}"
    );
    assert!(log.records().is_empty());
}

/// Captures `(target, text)` of log records per thread (tests run in parallel; the loop
/// runs on the test's thread).
struct CaptureLogger;

thread_local! {
    static CAPTURED: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

impl log::Log for CaptureLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let entry = (record.target().to_owned(), record.args().to_string());
        CAPTURED.with(|c| c.borrow_mut().push(entry));
    }

    fn flush(&self) {}
}

#[test]
fn a_main_task_changes_tasks_from_the_loops_thread_and_each_change_is_logged() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let _ = log::set_logger(&CaptureLogger);
        log::set_max_level(log::LevelFilter::Trace);
    });
    let (b, _clock, log) = builder(monday(8, 0));
    let answers = Arc::new(Mutex::new(Vec::new()));
    let said = answers.clone();
    let mut session = b
        .task(
            // On the loop's own thread the change cannot wait for the loop: it is queued
            // (Ok) and taken at the next turn; a bad one is logged as an error.
            Task::builder("boss")
                .start_cond("daily after 08:00")
                .execution(Execution::Main)
                .run(move |ctx| {
                    if !said.lock().unwrap().is_empty() {
                        return;
                    }
                    let h = ctx.session().expect("main runs have the handle");
                    let mut said = said.lock().unwrap();
                    said.push(answer(
                        h.add_task(thread_task("hired", "daily after 09:00")),
                    ));
                    said.push(answer(h.add_task(thread_task("bad", "daily afterr 09:00"))));
                    said.push(answer(h.set_start_cond("boss", "daily after 08:30")));
                }),
        )
        .shut_cond("scheduler has run over 1 day")
        .build()
        .unwrap();
    CAPTURED.with(|c| c.borrow_mut().clear());
    session.run().unwrap();
    let lines: Vec<String> = CAPTURED.with(|c| {
        c.borrow()
            .iter()
            .filter(|(target, _)| target == "redengine::scheduler")
            .map(|(_, text)| text.clone())
            .collect()
    });
    assert_eq!(*answers.lock().unwrap(), ["ok", "ok", "ok"]);
    assert_eq!(runs(&log, "hired"), ["Mon 09:00"]);
    assert_eq!(runs(&log, "boss"), ["Mon 08:00", "Mon 08:30"]);
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert!(
        has("task 'hired' added through a SessionHandle (start_cond `daily after 09:00`, execution `thread`)"),
        "{lines:#?}"
    );
    assert!(
        has("add task 'bad': refused") && has("invalid start_cond of task 'bad'"),
        "{lines:#?}"
    );
    assert!(
        has("start_cond of task 'boss' changed through a SessionHandle from `daily after 08:00` to `daily after 08:30`"),
        "{lines:#?}"
    );
}

#[test]
fn a_change_from_another_thread_never_hangs_and_survives_the_run() {
    let (b, _clock, _log) = builder(monday(8, 0));
    let mut session = b.task(thread_task("never", "false")).build().unwrap();
    let handle = session.handle();
    // Whether the loop is idle or not started yet, the change is answered, then the loop
    // stops; the list published after the run has the added task.
    let other = std::thread::spawn(move || {
        let done = answer(handle.add_task(thread_task("added", "false")));
        handle.shutdown();
        (done, handle)
    });
    session.run().unwrap();
    let (done, handle) = other.join().unwrap();
    assert_eq!(done, "ok");
    let names: Vec<String> = handle.tasks().into_iter().map(|t| t.name).collect();
    assert!(names.contains(&"added".to_string()), "{names:?}");
}

#[test]
fn a_removed_task_finishes_its_run_and_a_task_others_name_cannot_be_removed() {
    let (b, _clock, log) = builder(monday(8, 0));
    let said = Arc::new(Mutex::new(Vec::new()));
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let wait = Mutex::new(wait);
    let b = admin(
        b,
        &said,
        vec![Box::new(move |h| {
            // `long` launched in the admin's cycle and waits for `release`.
            let running = h.tasks().iter().any(|t| t.name == "long" && t.running);
            let named = answer(h.remove_task("upstream"));
            let removed = answer(h.remove_task("long"));
            let listed = h.tasks().iter().any(|t| t.name == "long");
            release.send(()).unwrap();
            format!("{running}\n{named}\n{removed}\n{listed}")
        })],
    );
    b.task(
        Task::builder("long")
            .start_cond("daily after 08:00")
            .execution(Execution::Thread)
            .run(move |_| {
                wait.lock().unwrap().recv().unwrap();
            }),
    )
    .task(thread_task("upstream", "false"))
    .task(thread_task("downstream", "after task 'upstream' succeeded"))
    .shut_cond("scheduler has run over 2 days")
    .build()
    .unwrap()
    .run()
    .unwrap();
    let said = said.lock().unwrap().join("");
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines[0], "true", "{said}");
    assert!(
        lines[1].starts_with("remove task 'upstream': refused")
            && said.contains("start_cond of task 'downstream'")
            && said.contains("names unknown task 'upstream'"),
        "{said}"
    );
    assert_eq!(lines[lines.len() - 2..], ["ok", "false"], "{said}");
    // The run in progress finished and was logged; the task never launched again.
    assert_eq!(runs(&log, "long"), ["Mon 08:00"]);
    assert_eq!(count(&log, "long", Action::Success), 1);
}

#[test]
fn changes_survive_a_recall_restart() {
    let (b, _clock, log) = builder(monday(8, 0));
    let said = Arc::new(Mutex::new(Vec::new()));
    let b = admin(
        b,
        &said,
        vec![Box::new(|h| {
            let added = answer(h.add_task(thread_task("added", "daily after 09:00")));
            let disabled = answer(h.disable_task("tick"));
            h.restart();
            format!("{added} {disabled}")
        })],
    );
    b.restarting(redengine::Restarting::Recall)
        .task(thread_task("tick", "every 30 minutes"))
        .shut_cond("scheduler has run over 3 hours")
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(*said.lock().unwrap(), ["ok ok"]);
    // The restart ignites the session again: the added task is there, `tick` stays off.
    assert_eq!(runs(&log, "added"), ["Mon 09:00"]);
    assert_eq!(runs(&log, "tick"), ["Mon 08:00"]);
}

#[test]
fn a_task_added_before_run_cannot_run_as_a_process_either() {
    // The session's default execution is `process`: the added task would get it.
    let (b, _clock, log) = builder(monday(8, 0));
    let mut session = b.build().unwrap();
    let handle = session.handle();
    let task = Task::builder("child").start_cond("daily").run(|_| ());
    assert_eq!(answer(handle.add_task(task)), "ok");
    let err = session.run().unwrap_err().to_string();
    assert!(
        err.contains("add task 'child': task 'child' would run as a process")
            && err.contains("`thread` or `main`"),
        "{err}"
    );
    assert!(log.records().is_empty());
}

#[test]
fn a_task_from_a_task_file_is_changed_in_its_file_but_can_be_disabled() {
    let d = common::scratch_dir("manage", "files");
    std::fs::write(
        d.join("a.toml"),
        "[[task]]\nname = \"filed\"\ncommand = \"true\"\nstart_cond = \"daily after 09:00\"\n\
         execution = \"main\"\n",
    )
    .unwrap();
    let (b, _clock, log) = builder(monday(8, 0));
    let said = Arc::new(Mutex::new(Vec::new()));
    let b = admin(
        b,
        &said,
        vec![Box::new(|h| {
            let removed = answer(h.remove_task("filed"));
            let changed = answer(h.set_start_cond("filed", "daily after 10:00"));
            let disabled = answer(h.disable_task("filed"));
            format!("{removed}\n{changed}\n{disabled}")
        })],
    );
    b.loader(redengine::loader::Loader::new(&d, "**/*.toml").unwrap())
        .shut_cond("scheduler has run over 1 day")
        .build()
        .unwrap()
        .run()
        .unwrap();
    let said = said.lock().unwrap().join("");
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 5, "{said}");
    assert!(
        lines[0].starts_with("remove task 'filed': refused")
            && lines[1].contains("comes from a task file")
            && lines[2].starts_with("set the start_cond of task 'filed'")
            && lines[3].contains("edit the file"),
        "{said}"
    );
    assert_eq!(lines[4], "ok");
    assert!(runs(&log, "filed").is_empty(), "{:?}", actions(&log));
    let _ = std::fs::remove_dir_all(&d);
}
