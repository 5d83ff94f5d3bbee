//! A restarted scheduler on the same log answers as if it had never stopped.

mod common;

use std::path::PathBuf;

use redengine::{
    Action, CsvLog, Execution, LogStore, ManualClock, MemoryLog, Session, Task, TaskRecord, Zone,
};

use common::monday;

fn temp_log(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redengine-restart-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("log").join("tasks.csv")
}

fn session(path: &PathBuf, clock: &ManualClock, shut: &str) -> Session {
    Session::builder()
        .clock(clock.clone())
        .zone(Zone::Utc)
        .log_csv(path)
        .task_execution(Execution::Main)
        .shut_cond(shut)
        .task(Task::builder("daily_job").start_cond("daily").run(|_| ()))
        .build()
        .unwrap()
}

fn records(path: &PathBuf) -> Vec<TaskRecord> {
    CsvLog::new(path).load().unwrap()
}

#[test]
fn daily_does_not_run_twice_after_a_restart() {
    let path = temp_log("daily");
    let clock = ManualClock::new(monday(8, 0));
    session(&path, &clock, "scheduler has more than 1 cycles")
        .run()
        .unwrap();
    assert_eq!(records(&path).len(), 2);

    clock.set(monday(9, 0));
    session(&path, &clock, "scheduler has run over 16 hours")
        .run()
        .unwrap();
    let after: Vec<_> = records(&path)
        .into_iter()
        .filter(|r| r.action == Action::Run)
        .collect();
    // Monday's run is not repeated; the next one is at Tuesday's start (it ran until 01:00).
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(after[1].created.format("%a %H:%M").to_string(), "Tue 00:00");
}

#[test]
fn a_run_killed_mid_way_is_closed_with_crash_and_runs_again() {
    let path = temp_log("crash");
    let mut store = CsvLog::new(&path);
    store.load().unwrap();
    let started = monday(8, 0).fixed_offset();
    store
        .append(&TaskRecord::run("daily_job", started))
        .unwrap();
    store.sync().unwrap();
    drop(store);

    let clock = ManualClock::new(monday(9, 0));
    session(&path, &clock, "task 'daily_job' has succeeded today")
        .run()
        .unwrap();
    let actions: Vec<_> = records(&path)
        .into_iter()
        .map(|r| (r.action, r.created.format("%H:%M").to_string()))
        .collect();
    assert_eq!(
        actions,
        [
            (Action::Run, "08:00".to_string()),
            (Action::Crash, "09:00".to_string()),
            (Action::Run, "09:00".to_string()),
            (Action::Success, "09:00".to_string()),
        ]
    );
}

#[test]
fn an_unwritable_log_is_an_error_naming_the_path() {
    let clock = ManualClock::new(monday(9, 0));
    let blocker =
        std::env::temp_dir().join(format!("redengine-restart-{}-file", std::process::id()));
    std::fs::write(&blocker, "not a directory").unwrap();
    let path = blocker.join("tasks.csv");
    let err = session(&path, &clock, "true").run().unwrap_err();
    assert!(
        err.to_string().contains(&blocker.display().to_string()),
        "{err}"
    );
}

#[test]
fn a_reopened_memory_log_restores_status_too() {
    let log = MemoryLog::new();
    let clock = ManualClock::new(monday(8, 0));
    let make = |shut: &str| {
        Session::builder()
            .clock(clock.clone())
            .zone(Zone::Utc)
            .log_store(log.clone())
            .task_execution(Execution::Main)
            .shut_cond(shut)
            .task(Task::builder("daily_job").start_cond("daily").run(|_| ()))
            .build()
            .unwrap()
    };
    make("scheduler has more than 1 cycles").run().unwrap();
    clock.set(monday(12, 0));
    make("scheduler has run over 1 hour").run().unwrap();
    let runs = log
        .records()
        .into_iter()
        .filter(|r| r.action == Action::Run)
        .count();
    assert_eq!(runs, 1);
}

// ---------------------------------------------------------------- damaged logs

/// Who, what and when of a record: what the history of a restarted scheduler holds.
type Head = (String, Action, chrono::DateTime<chrono::FixedOffset>);

/// One scheduler start on the log at `path`: reads the history as the scheduler does,
/// then appends `record` (standing for whatever that run of the scheduler wrote).
fn start_and_write(path: &PathBuf, record: &TaskRecord) -> Vec<Head> {
    let mut store = CsvLog::new(path);
    let mut heads = Vec::new();
    store
        .load_heads(&mut |r| heads.push((r.task_name.to_owned(), r.action, r.created)))
        .unwrap();
    store.append(record).unwrap();
    store.sync().unwrap();
    heads
}

fn head(record: &TaskRecord) -> Head {
    (record.task_name.clone(), record.action, record.created)
}

#[test]
fn restarting_twice_after_any_damage_gives_the_same_history_and_keeps_complete_rows() {
    let at = |m| monday(8, m).fixed_offset();
    let complete = [
        TaskRecord::run("a", at(0)),
        TaskRecord::finish(
            "a",
            Action::Fail,
            at(0),
            at(1),
            "refused, \"twice\"\nCaused by: os error 111",
        ),
        TaskRecord::run("b", at(2)),
        TaskRecord::finish("b", Action::Success, at(2), at(3), ""),
    ];
    // The complete rows as the writer writes them: header, a's pair, b's pair.
    let dir = temp_log("damage-base");
    let mut writer = CsvLog::new(&dir);
    complete.iter().for_each(|r| writer.append(r).unwrap());
    drop(writer);
    let text = std::fs::read_to_string(&dir).unwrap();
    let split = text.find("b,").unwrap(); // before b's rows
    let (front, back) = text.split_at(split);
    let torn_fail = "c,2024-01-01T08:05:00.000000+00:00,fail,2024-01-01T08:04:00.000000+00:00,\
                     2024-01-01T08:05:00.000000+00:00,60.000000,Task 'c' status: 'fail',\
                     \"refused\nCaused by: os er";
    let cases: Vec<(&str, String)> = vec![
        (
            "a plain torn row",
            format!("{text}c,2024-01-01T08:04:00.000000+00:00,ru"),
        ),
        (
            "a fail torn inside its multi-line exc_text",
            format!("{text}{torn_fail}"),
        ),
        (
            "a fail torn right after a line end inside its exc_text",
            format!("{text}{}", &torn_fail[..torn_fail.find("Caused").unwrap()]),
        ),
        (
            "a fail torn after its closing quote",
            format!(
                "{text}{}\"",
                &torn_fail[..torn_fail.find("\nCaused").unwrap()]
            ),
        ),
        (
            "a stray quote in the middle",
            format!("{front}garbage,\"unbalanced quote\n{back}"),
        ),
        (
            "a garbage line in the middle",
            format!("{front}this is not a row\n{back}"),
        ),
        (
            "a row-like line whose quote never closes, in the middle",
            format!("{front}x,2024-01-01T08:01:30.000000+00:00,fail,,,,\"never closed\n{back}"),
        ),
        (
            "a line of too many fields",
            format!("{front}x,y,z,1,2,3,4,5,6,7\n{back}"),
        ),
        ("a byte order mark", format!("\u{feff}{text}")),
        ("CRLF line ends", text.replace('\n', "\r\n")),
        (
            "a stray quote and a torn row",
            format!("{front}oops \"\n{back}{torn_fail}"),
        ),
    ];
    let first = TaskRecord::run("z", monday(9, 0).fixed_offset());
    let second = TaskRecord::run("y", monday(10, 0).fixed_offset());
    let expected: Vec<Head> = complete.iter().map(head).collect();
    for (case, bytes) in cases {
        let path = temp_log(&format!("damage-{}", case.replace(' ', "-")));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &bytes).unwrap();

        let one = start_and_write(&path, &first);
        assert_eq!(
            one, expected,
            "{case}: the first start lost or invented rows"
        );
        let two = start_and_write(&path, &second);
        assert_eq!(
            two,
            [one.clone(), vec![head(&first)]].concat(),
            "{case}: the second start reads another history"
        );
        let three = start_and_write(&path, &first);
        assert_eq!(
            three,
            [two.clone(), vec![head(&second)]].concat(),
            "{case}: the third start reads another history"
        );
        assert!(
            std::fs::read(&path).unwrap().starts_with(bytes.as_bytes()),
            "{case}: existing bytes were changed"
        );
    }
}

#[test]
fn a_fail_torn_in_its_exc_text_does_not_come_back_on_the_next_start() {
    let path = temp_log("torn-fail");
    let started = monday(8, 0).fixed_offset();
    let mut store = CsvLog::new(&path);
    store
        .append(&TaskRecord::run("daily_job", started))
        .unwrap();
    drop(store);
    let mut bytes = std::fs::read_to_string(&path).unwrap();
    bytes.push_str(
        "daily_job,2024-01-01T08:00:05.000000+00:00,fail,2024-01-01T08:00:00.000000+00:00,\
         2024-01-01T08:00:05.000000+00:00,5.000000,Task 'daily_job' status: 'fail',\
         \"connection refused\nCaused by: os err",
    );
    std::fs::write(&path, bytes).unwrap();

    let quiet = |clock: &ManualClock| {
        Session::builder()
            .clock(clock.clone())
            .zone(Zone::Utc)
            .log_csv(&path)
            .task_execution(Execution::Main)
            .shut_cond("true")
            .task(
                Task::builder("daily_job")
                    .start_cond("task 'daily_job' has failed today")
                    .run(|_| ()),
            )
            .build()
            .unwrap()
    };
    let clock = ManualClock::new(monday(9, 0));
    quiet(&clock).run().unwrap();
    let after_first = CsvLog::new(&path).peek().unwrap();
    let actions: Vec<_> = after_first.iter().map(|r| r.action).collect();
    // The torn fail is skipped; the run is closed with `crash`; `has failed today` is false.
    assert_eq!(actions, [Action::Run, Action::Crash]);

    clock.set(monday(10, 0));
    quiet(&clock).run().unwrap();
    assert_eq!(
        CsvLog::new(&path).peek().unwrap(),
        after_first,
        "the second start read the torn fail as a record (and ran the task)"
    );
}
