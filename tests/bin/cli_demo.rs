//! A small `#[redengine::main]` program for `tests/cli.rs`, which runs the built binary:
//! a morning routine and a small pipeline, in main and thread execution.
//!
//! The session logs to memory unless `--log PATH` names a CSV file, and its `shut_cond`
//! is `true`, so `run` starts up and stops at once. It installs no logger: the generated
//! `main` shows the console. The environment varies it for the tests:
//!
//! * `CLI_DEMO_ZONE=local`: the local time zone instead of UTC;
//! * `CLI_DEMO_TASK_DIR=DIR`: also load the task files `DIR/*.toml`;
//! * `CLI_DEMO_OWN_LOGGER=1`: install a logger of its own, which writes `OWN <message>`
//!   lines on stderr (the console must then stay off);
//! * `CLI_DEMO_MISTYPED=1`: add a task whose parameter has the wrong type (ignite fails).

use std::time::Duration;

use redengine::{Session, Task, Terminated, TerminationFlag, Zone};

#[redengine::task(start_cond = "daily after 07:00", execution = "main")]
fn wake_up() {}

#[redengine::task(
    start_cond = "daily between 08:00 and 08:15 & after task 'wake_up'",
    execution = "thread"
)]
fn wash_teeth() {}

#[redengine::task(start_cond = "daily after 09:00", execution = "main", priority = 1)]
fn get_data() -> Vec<u32> {
    vec![1, 2, 3]
}

#[redengine::task(
    start_cond = "after task 'get_data' succeeded",
    execution = "thread",
    params(mydata = Return("get_data"))
)]
fn process_data(mydata: Option<Vec<u32>>) -> Result<usize, String> {
    mydata
        .map(|d| d.len())
        .ok_or_else(|| "get_data has not returned yet".to_string())
}

#[redengine::task(start_cond = "after task 'process_data' failed", execution = "main")]
fn report_errors() {}

#[redengine::task(execution = "main")]
fn broken() -> Result<(), String> {
    Err("database unreachable".to_string())
}

#[redengine::task(
    start_cond = "weekly on Monday",
    execution = "main",
    params(receivers = vec!["me@example.com".to_string()])
)]
fn report_news(receivers: Vec<String>) -> Result<(), String> {
    if receivers.is_empty() {
        Err("no receivers".to_string())
    } else {
        Ok(())
    }
}

#[redengine::task(start_cond = "is_holiday & daily", execution = "main")]
fn announce(friend_list: Vec<String>) -> Result<(), String> {
    if friend_list.is_empty() {
        Err("no friends to tell".to_string())
    } else {
        Ok(())
    }
}

#[redengine::task(start_cond = "hourly", execution = "main", disabled)]
fn sleeping() {}

#[redengine::task(start_cond = "weekly", execution = "main")]
fn weekly_review() {}

/// Runs until its end_cond (`true`) terminates it (at most 30 s).
#[redengine::task(start_cond = "false", end_cond = "true", execution = "thread")]
fn stuck(flag: TerminationFlag) -> Terminated {
    for _ in 0..3000 {
        if flag.is_set() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Terminated
}

#[redengine::param]
fn friend_list() -> Vec<String> {
    vec!["ann".to_string()]
}

#[redengine::condition]
fn is_holiday() -> bool {
    false
}

#[redengine::main]
fn main() -> redengine::Result<Session> {
    if std::env::var_os("CLI_DEMO_OWN_LOGGER").is_some() {
        own_logger::install();
    }
    let zone = match std::env::var("CLI_DEMO_ZONE").as_deref() {
        Ok("local") => Zone::Local,
        _ => Zone::Utc,
    };
    let mut builder = Session::from_registry()
        .zone(zone)
        .log_memory()
        .shut_cond("true");
    if let Some(dir) = std::env::var_os("CLI_DEMO_TASK_DIR") {
        builder = builder.load_tasks(dir, "*.toml");
    }
    if std::env::var_os("CLI_DEMO_MISTYPED").is_some() {
        builder = builder.task(
            Task::builder("mistyped")
                .param("friend_list", 5_u32)
                .arg::<Vec<String>>("friend_list")
                .run(|_| ()),
        );
    }
    builder.build()
}

/// A program's own logger: `OWN <message>` on stderr, everything at INFO and above.
mod own_logger {
    use log::{Level, LevelFilter, Log, Metadata, Record};

    struct Own;

    static OWN: Own = Own;

    pub(crate) fn install() {
        if log::set_logger(&OWN).is_ok() {
            log::set_max_level(LevelFilter::Info);
        }
    }

    impl Log for Own {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata.level() <= Level::Info
        }

        fn log(&self, record: &Record<'_>) {
            eprintln!("OWN {}", record.args());
        }

        fn flush(&self) {}
    }
}
