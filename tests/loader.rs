//! The file loader (`redengine::loader`): TOML task files under a directory, errors with
//! file:line, bad files never stop the others, reload on change, removal removes tasks.

mod common;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use redengine::loader::Loader;
use redengine::{Action, Execution, Task};

use common::{builder, count, monday, of};

/// Captures `(level, target, text)` of log records per thread (tests run in parallel).
struct CaptureLogger;

thread_local! {
    static CAPTURED: RefCell<Vec<(log::Level, String, String)>> = const { RefCell::new(Vec::new()) };
}

impl log::Log for CaptureLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let entry = (
            record.level(),
            record.target().to_owned(),
            record.args().to_string(),
        );
        CAPTURED.with(|c| c.borrow_mut().push(entry));
    }

    fn flush(&self) {}
}

/// Runs `f` and returns what it logged on this thread.
fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<(log::Level, String, String)>) {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        // Another logger (none here) would only make the capture empty; not worth a panic.
        let _ = log::set_logger(&CaptureLogger);
        log::set_max_level(log::LevelFilter::Trace);
    });
    CAPTURED.with(|c| c.borrow_mut().clear());
    let value = f();
    (value, CAPTURED.with(|c| c.borrow_mut().drain(..).collect()))
}

/// A fresh directory for one test.
fn dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redengine-loader-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// A `main` command task that appends its name to `out.txt` every minute.
fn ticker(name: &str, dir: &Path) -> String {
    format!(
        "[[task]]\nname = \"{name}\"\ncommand = \"echo {name} >> '{}'\"\nstart_cond = \"every 1 minute\"\nexecution = \"main\"\n\n",
        dir.join("out.txt").display()
    )
}

#[test]
fn good_files_load_at_any_depth_with_parameters() {
    let d = dir("good");
    write(&d, "a.toml", &ticker("tick_a", &d));
    write(
        &d,
        "nested/deeper/b.toml",
        &format!(
            r#"[[task]]
name = "greet"
args = ["sh", "-c", "printf '%s %s' \"$1\" \"$REDENGINE_PARAM_WHO\" > '{}'", "sh", "{{greeting}}"]
start_cond = "daily"
timeout = 60
parameters = {{ greeting = "hello", who = "ann" }}
"#,
            d.join("greet.txt").display()
        ),
    );
    write(&d, "notes.md", "not a task file");
    let (b, _clock, log) = builder(monday(8, 0));
    b.load_tasks(&d, "**/*.toml")
        .shut_cond("scheduler has run over 3 minutes")
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(
        count(&log, "greet", Action::Success),
        1,
        "{:?}",
        log.records()
    );
    assert_eq!(
        std::fs::read_to_string(d.join("greet.txt")).unwrap(),
        "hello ann"
    );
    assert!(count(&log, "tick_a", Action::Success) >= 3);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_bad_file_is_reported_with_file_and_line_and_the_others_still_run() {
    let d = dir("bad");
    write(&d, "good.toml", &ticker("tick_good", &d));
    write(
        &d,
        "bad.toml",
        "[[task]]\nname = \"oops\"\ncommand = \"true\"\nstart_cond = \"daily & afer 08:00\"\n",
    );
    write(&d, "broken.toml", "[[task]\nname = \"x\"\n");
    write(
        &d,
        "refs.toml",
        "[[task]]\nname = \"orphan\"\ncommand = \"true\"\nstart_cond = \"after task 'nope' succeeded\"\n\n\
         [[task]]\nname = \"code_task\"\ncommand = \"true\"\n",
    );
    let (b, _clock, log) = builder(monday(8, 0));
    let session = b
        .task_execution(Execution::Main)
        .load_tasks(&d, "*.toml")
        .shut_cond("scheduler has run over 2 minutes")
        .task(Task::builder("code_task").run(|_| ()))
        .build()
        .unwrap();

    // `check` (Session::ignite) lists every problem with its file and line.
    let err = session.ignite().unwrap_err().to_string();
    let bad = d.join("bad.toml").display().to_string();
    let broken = d.join("broken.toml").display().to_string();
    let refs = d.join("refs.toml").display().to_string();
    assert!(
        err.contains(&format!("{bad}:4:14: task 'oops': invalid start_cond")),
        "{err}"
    );
    assert!(err.contains("did you mean `after`?"), "{err}");
    assert!(err.contains(&format!("{broken}:1:")), "{err}");
    assert!(err.contains("invalid TOML"), "{err}");
    assert!(
        err.contains(&format!("{refs}:1:1: start_cond of task 'orphan'"))
            && err.contains("unknown task 'nope'"),
        "{err}"
    );
    assert!(
        err.contains("task name 'code_task' is defined 2 times"),
        "{err}"
    );

    // The scheduler logs them (target redengine::scheduler) and runs the rest.
    let mut session = session;
    let ((), logged) = capture(|| session.run().unwrap());
    let errors: Vec<&String> = logged
        .iter()
        .filter(|(level, target, _)| {
            *level == log::Level::Error && target == "redengine::scheduler"
        })
        .map(|(_, _, text)| text)
        .collect();
    for needle in [
        format!("{bad}:4:14: task 'oops': invalid start_cond"),
        format!("{broken}:1:"),
        format!("{refs}:1:1: start_cond of task 'orphan'"),
    ] {
        assert!(
            errors.iter().any(|e| e.contains(&needle)),
            "{needle} not in {errors:#?}"
        );
    }
    assert!(count(&log, "tick_good", Action::Success) >= 2);
    for skipped in ["oops", "orphan", "x"] {
        assert!(
            log.records().iter().all(|r| r.task_name != skipped),
            "{skipped}"
        );
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn changed_added_and_removed_files_reload_while_running() {
    let d = dir("reload");
    write(&d, "a.toml", &ticker("tick_a", &d));
    write(&d, "b.toml", &ticker("tick_b", &d));
    let edit_dir = d.clone();
    let inits = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = inits.clone();
    let (b, _clock, log) = builder(monday(8, 0));
    b.task_execution(Execution::Main)
        .on_task_init(move |t| {
            seen.lock().unwrap().push(t.name.clone());
            None
        })
        .loader(
            Loader::new(&d, "**/*.toml")
                .unwrap()
                .poll_every(Duration::from_secs(30)),
        )
        .shut_cond("scheduler has run over 10 minutes")
        .task(Task::builder("edit").start_cond("daily after 08:05").run(
            move |_| -> std::io::Result<()> {
                // tick_a changes (now every 2 minutes), b.toml goes, c.toml comes.
                let a = ticker("tick_a", &edit_dir).replace("every 1 minute", "every 2 minutes");
                std::fs::write(edit_dir.join("a.toml"), a)?;
                std::fs::remove_file(edit_dir.join("b.toml"))?;
                std::fs::write(edit_dir.join("c.toml"), ticker("tick_c", &edit_dir))
            },
        ))
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(count(&log, "edit", Action::Success), 1);
    let minutes = |task: &str| -> Vec<String> {
        of(&log, task, Action::Run)
            .iter()
            .map(|r| r.created.format("%H:%M:%S").to_string())
            .collect()
    };
    let (a, b, c) = (minutes("tick_a"), minutes("tick_b"), minutes("tick_c"));
    // Removed: tick_b never runs after the reload (08:05:30 at the latest).
    assert!(b.iter().all(|t| t.as_str() <= "08:05:30"), "{b:?}");
    assert!(b.len() >= 5, "{b:?}");
    // Added: tick_c runs from the reload on.
    assert!(
        !c.is_empty() && c.iter().all(|t| t.as_str() >= "08:05:00"),
        "{c:?}"
    );
    assert!(c.len() >= 4, "{c:?}");
    // Changed: tick_a runs every minute before, every 2 minutes after.
    let after: Vec<&String> = a.iter().filter(|t| t.as_str() > "08:06:00").collect();
    assert!(after.len() <= 3, "{a:?}");
    assert!(a.len() >= 7, "{a:?}");
    // task_init runs once per added task: at start-up, then for what the reload added.
    let mut inits = inits.lock().unwrap().clone();
    inits.sort();
    assert_eq!(inits, ["edit", "tick_a", "tick_a", "tick_b", "tick_c"]);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_invalid_glob_is_a_build_error() {
    let (b, _clock, _log) = builder(monday(8, 0));
    let err = b.load_tasks("tasks", "[").build().unwrap_err().to_string();
    assert!(
        err.contains("config `load_tasks`") && err.contains("**/*.toml"),
        "{err}"
    );
}

/// A typo in a task file that was loaded keeps its last good version running, reports the
/// error with file and line, and takes the new version once it is valid. Before, the bad
/// edit removed the task until the file was fixed.
#[test]
fn a_bad_edit_keeps_the_last_good_version_until_the_file_is_fixed() {
    let d = dir("bad-edit");
    write(&d, "a.toml", &ticker("tick_a", &d));
    let edit_dir = d.clone();
    let (b, _clock, log) = builder(monday(8, 0));
    let (result, logged) = capture(|| {
        b.task_execution(Execution::Main)
            .loader(
                Loader::new(&d, "**/*.toml")
                    .unwrap()
                    .poll_every(Duration::from_secs(30)),
            )
            .shut_cond("scheduler has run over 12 minutes")
            .task(Task::builder("break").start_cond("daily after 08:03").run({
                let dir = edit_dir.clone();
                move |_| -> std::io::Result<()> {
                    let bad = ticker("tick_a", &dir).replace("every 1 minute", "evry 1 minute");
                    std::fs::write(dir.join("a.toml"), bad)
                }
            }))
            .task(Task::builder("fix").start_cond("daily after 08:08").run(
                move |_| -> std::io::Result<()> {
                    let good =
                        ticker("tick_a", &edit_dir).replace("every 1 minute", "every 3 minutes");
                    std::fs::write(edit_dir.join("a.toml"), good)
                },
            ))
            .build()
            .unwrap()
            .run()
    });
    result.unwrap();
    let runs: Vec<String> = of(&log, "tick_a", Action::Run)
        .iter()
        .map(|r| r.created.format("%H:%M").to_string())
        .collect();
    // Every minute until the fix (the broken file kept its last good version) …
    for minute in ["08:04", "08:05", "08:06", "08:07"] {
        assert!(
            runs.iter().any(|t| t == minute),
            "no run at {minute}: {runs:?}"
        );
    }
    // … then the fixed version: every 3 minutes.
    let after: Vec<&String> = runs.iter().filter(|t| t.as_str() > "08:09").collect();
    assert!(after.len() <= 2, "{runs:?}");
    let reported = logged.iter().any(|(level, _, text)| {
        *level == log::Level::Error
            && text.contains("a.toml:")
            && text.contains("last good version stays loaded")
    });
    assert!(reported, "{logged:#?}");
    let _ = std::fs::remove_dir_all(&d);
}
