//! Retry and instance settings through every surface: `#[task]` attributes, the builder's
//! ignite errors, task files (values and their lines), and `list`/`check` showing a
//! retry that waits.

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use redengine::log::{Action, CsvLog, LogStore, MemoryLog, TaskRecord};
use redengine::{Execution, ManualClock, Session, Task, Zone};

/// A directory of its own for one test, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "redengine-retry-settings-{}-{name}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

fn minutes(m: i64) -> DateTime<Utc> {
    t0() + chrono::TimeDelta::minutes(m)
}

/// (action, created, attempt) of `task`'s records.
fn attempts(records: &[TaskRecord], task: &str) -> Vec<(Action, DateTime<Utc>, u32)> {
    records
        .iter()
        .filter(|r| r.task_name == task)
        .map(|r| (r.action, r.created.with_timezone(&Utc), r.attempt))
        .collect()
}

#[test]
fn bad_retry_settings_are_ignite_errors_naming_the_task() {
    let error = Session::builder()
        .log_memory()
        .task(
            Task::builder("flaky")
                .retries(3)
                .retry_delay("soon")
                .retry_backoff(0.5)
                .run(|_| ()),
        )
        .task(
            Task::builder("inline")
                .execution(Execution::Main)
                .max_instances(2)
                .run(|_| ()),
        )
        .build()
        .and_then(|s| s.ignite())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("task 'flaky': invalid retry_delay `soon`"),
        "{error}"
    );
    assert!(
        error.contains("task 'flaky': `retry_backoff` must be"),
        "{error}"
    );
    assert!(
        error
            .contains("task 'inline': `max_instances = 2` never applies to `execution = \"main\"`"),
        "{error}"
    );
}

static REGISTERED_CALLS: AtomicUsize = AtomicUsize::new(0);

/// Registered with every retry key: fails once, then succeeds.
#[redengine::task(
    start_cond = "daily",
    execution = "main",
    retries = 2,
    retry_delay = "30 seconds",
    retry_backoff = 3.0,
    retry_max_delay = "1 hour",
    retry_jitter = false,
    max_instances = 1
)]
fn registered_flaky() -> Result<(), String> {
    if REGISTERED_CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
        return Err("first attempt".to_string());
    }
    Ok(())
}

#[test]
fn task_attributes_set_the_same_policy() {
    let clock = ManualClock::new(t0());
    let log = MemoryLog::new();
    Session::from_registry()
        .clock(clock)
        .zone(Zone::Utc)
        .log_store(log.clone())
        .shut_cond("scheduler has run over 5 minutes")
        .build()
        .unwrap()
        .run()
        .unwrap();
    let runs: Vec<_> = attempts(&log.records(), "registered_flaky")
        .into_iter()
        .filter(|(a, _, _)| *a != Action::Run)
        .collect();
    let half = t0() + chrono::TimeDelta::seconds(30);
    assert_eq!(runs, [(Action::Fail, t0(), 1), (Action::Success, half, 2)]);
}

#[test]
fn task_files_take_the_retry_keys_and_report_bad_values_with_their_line() {
    let dir = TempDir::new("toml");
    fs::write(
        dir.0.join("jobs.toml"),
        "[[task]]\nname = \"flaky\"\ncommand = \"false\"\nstart_cond = \"daily\"\n\
         retries = 2\nretry_delay = \"1 minute\"\nretry_backoff = 2\nretry_max_delay = 600\n\
         retry_jitter = true\nmax_instances = 2\n\n\
         [[task]]\nname = \"bad\"\ncommand = \"true\"\nretries = -1\nretry_delay = \"1 minut\"\n\
         retry_backoff = 0.5\nretry_jitter = \"yes\"\nmax_instances = 0\n\n\
         [[task]]\nname = \"inline\"\ncommand = \"true\"\nexecution = \"main\"\nmax_instances = 3\n",
    )
    .unwrap();
    let error = Session::builder()
        .log_memory()
        .load_tasks(&dir.0, "*.toml")
        .build()
        .unwrap()
        .ignite()
        .unwrap_err()
        .to_string();
    let file = dir.0.join("jobs.toml").display().to_string();
    for expected in [
        format!("{file}:15:11: `retries` must be"),
        format!("{file}:16:15: task 'bad': invalid retry_delay `1 minut`"),
        format!("{file}:17:17: task 'bad': `retry_backoff` must be a number from 1.0"),
        format!("{file}:18:16: `retry_jitter` must be"),
        format!("{file}:19:17: task 'bad': `max_instances` must be from 1 to"),
        format!("{file}:21:1: task 'inline': `max_instances = 3` never applies"),
    ] {
        assert!(error.contains(&expected), "{expected}\n{error}");
    }
    assert!(!error.contains("'flaky'"), "{error}");
}

#[test]
fn a_task_file_task_retries_on_its_schedule() {
    let dir = TempDir::new("toml-run");
    fs::write(
        dir.0.join("jobs.toml"),
        "[[task]]\nname = \"flaky\"\ncommand = \"false\"\nstart_cond = \"daily\"\n\
         execution = \"main\"\nretries = 2\nretry_delay = \"1 minute\"\nretry_backoff = 3\n",
    )
    .unwrap();
    let log = MemoryLog::new();
    Session::builder()
        .clock(ManualClock::new(t0()))
        .zone(Zone::Utc)
        .log_store(log.clone())
        .load_tasks(&dir.0, "*.toml")
        .shut_cond("scheduler has run over 10 minutes")
        .build()
        .unwrap()
        .run()
        .unwrap();
    let fails: Vec<_> = attempts(&log.records(), "flaky")
        .into_iter()
        .filter(|(a, _, _)| *a == Action::Fail)
        .map(|(_, at, n)| (at, n))
        .collect();
    assert_eq!(fails, [(minutes(0), 1), (minutes(1), 2), (minutes(4), 3)]);
}

/// Runs the `cli_demo` binary (tests/bin/cli_demo.rs) with the task files of `tasks`.
fn demo(tasks: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cli_demo"))
        .args(args)
        .env("CLI_DEMO_TASK_DIR", tasks)
        .env_remove("REDENGINE_TASK")
        .env_remove("REDENGINE_LOG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn list_and_check_show_a_waiting_retry_with_its_time() {
    let dir = TempDir::new("cli");
    fs::write(
        dir.0.join("jobs.toml"),
        "[[task]]\nname = \"flaky\"\ncommand = \"false\"\nstart_cond = \"daily\"\n\
         retries = 3\nretry_delay = \"1 minute\"\n",
    )
    .unwrap();
    let path = dir.0.join("tasks.csv");
    let (start, end) = (
        minutes(0).fixed_offset(),
        (minutes(0) + chrono::TimeDelta::seconds(1)).fixed_offset(),
    );
    let due = (minutes(1) + chrono::TimeDelta::seconds(1)).fixed_offset();
    let mut log = CsvLog::new(&path);
    log.append(&TaskRecord::run("flaky", start)).unwrap();
    log.append(
        &TaskRecord::finish("flaky", Action::Fail, start, end, "exit 1").with_attempt(
            1,
            4,
            Some(due),
        ),
    )
    .unwrap();
    drop(log);
    let log = path.to_str().unwrap();
    let list = demo(
        &dir.0,
        &["list", "--at", "2024-01-01T00:00:30", "--log", log],
    );
    let row = list.lines().find(|l| l.starts_with("flaky")).unwrap();
    assert!(
        row.contains("retry (attempt 2 of 4) at 2024-01-01 00:01:01"),
        "{list}"
    );
    let json = demo(
        &dir.0,
        &[
            "list",
            "--json",
            "--at",
            "2024-01-01T00:00:30",
            "--log",
            log,
        ],
    );
    assert!(
        json.contains(r#""retry":{"at":"2024-01-01T00:01:01Z","attempt":2,"of":4}"#),
        "{json}"
    );
    let waiting = demo(
        &dir.0,
        &[
            "check",
            "flaky",
            "--at",
            "2024-01-01T00:00:30",
            "--log",
            log,
        ],
    );
    assert!(
        waiting.contains(
            "flaky: would not start: a retry (attempt 2 of 4) waits until 2024-01-01 00:01:01"
        ),
        "{waiting}"
    );
    assert!(
        waiting.contains("last: fail at 2024-01-01 00:00:01, retry (attempt 2 of 4)"),
        "{waiting}"
    );
    let due = demo(
        &dir.0,
        &[
            "check",
            "flaky",
            "--at",
            "2024-01-01T00:05:00",
            "--log",
            log,
        ],
    );
    assert!(
        due.contains(
            "flaky: would start: its retry (attempt 2 of 4) was due at 2024-01-01 00:01:01"
        ),
        "{due}"
    );
}
