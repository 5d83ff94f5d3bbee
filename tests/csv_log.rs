//! The CSV task log through its public API: round trips, the header, torn rows, errors,
//! and the records on the `log` facade.

use std::cell::RefCell;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use redengine::log::{Action, CsvLog, LogErrorKind, LogStore, MemoryLog, TaskRecord};
use redengine::{Execution, ManualClock, Session, Task, Terminated, Zone};

// ---------------------------------------------------------------- helpers

/// A directory of its own for one test, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("redengine-csv-log-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

const HEADER: &str = "task_name,created,action,start,end,runtime,message,exc_text\n";

/// One `log` record as seen by the capturing logger.
#[derive(Debug, Clone)]
struct Captured {
    level: log::Level,
    target: String,
    text: String,
    kvs: Vec<(String, String)>,
}

/// Captures records per thread, so tests running in parallel do not see each other's.
struct CaptureLogger;

thread_local! {
    static CAPTURED: RefCell<Vec<Captured>> = const { RefCell::new(Vec::new()) };
}

impl log::Log for CaptureLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        struct Kvs(Vec<(String, String)>);
        impl<'kvs> log::kv::VisitSource<'kvs> for Kvs {
            fn visit_pair(
                &mut self,
                key: log::kv::Key<'kvs>,
                value: log::kv::Value<'kvs>,
            ) -> Result<(), log::kv::Error> {
                self.0.push((key.to_string(), value.to_string()));
                Ok(())
            }
        }
        let mut kvs = Kvs(Vec::new());
        let _ = record.key_values().visit(&mut kvs);
        CAPTURED.with(|c| {
            c.borrow_mut().push(Captured {
                level: record.level(),
                target: record.target().to_owned(),
                text: record.args().to_string(),
                kvs: kvs.0,
            });
        });
    }

    fn flush(&self) {}
}

/// Runs `f` and returns what it logged on this thread.
fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<Captured>) {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        log::set_logger(&CaptureLogger).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
    CAPTURED.with(|c| c.borrow_mut().clear());
    let value = f();
    (value, CAPTURED.with(|c| c.borrow_mut().drain(..).collect()))
}

fn warnings(logged: &[Captured]) -> Vec<String> {
    logged
        .iter()
        .filter(|c| c.level == log::Level::Warn && c.target == "redengine::scheduler")
        .map(|c| c.text.clone())
        .collect()
}

/// A run and its finish, as the scheduler writes them.
fn run_pair(task: &str, action: Action, exc_text: &str) -> [TaskRecord; 2] {
    let start = at("2024-01-03T08:00:00+01:00");
    let end = at("2024-01-03T08:00:02.5+01:00");
    [
        TaskRecord::run(task, start),
        TaskRecord::finish(task, action, start, end, exc_text),
    ]
}

fn append_all(log: &mut CsvLog, records: &[TaskRecord]) {
    for record in records {
        log.append(record).unwrap();
    }
}

// ---------------------------------------------------------------- format

#[test]
fn rows_match_the_documented_example_byte_for_byte() {
    let dir = TempDir::new("golden");
    let path = dir.path("tasks.csv");
    let mut log = CsvLog::new(&path);
    let start = at("2024-01-03T08:00:00+00:00");
    let end = at("2024-01-03T08:00:02.5+00:00");
    log.append(&TaskRecord::run("get_data", start)).unwrap();
    let exc = "connection refused, retry later\nCaused by: os error 111";
    log.append(&TaskRecord::finish(
        "get_data",
        Action::Fail,
        start,
        end,
        exc,
    ))
    .unwrap();
    assert_eq!(
        read(&path),
        "task_name,created,action,start,end,runtime,message,exc_text\n\
         get_data,2024-01-03T08:00:00.000000+00:00,run,2024-01-03T08:00:00.000000+00:00,,,Task 'get_data' status: 'run',\n\
         get_data,2024-01-03T08:00:02.500000+00:00,fail,2024-01-03T08:00:00.000000+00:00,2024-01-03T08:00:02.500000+00:00,2.500000,Task 'get_data' status: 'fail',\"connection refused, retry later\n\
         Caused by: os error 111\"\n"
    );
}

#[test]
fn tricky_text_round_trips() {
    let dir = TempDir::new("tricky");
    let path = dir.path("tasks.csv");
    let texts = [
        "plain",
        "a, comma",
        "say \"hi\"",
        "\"starts and ends with quotes\"",
        "line one\nline two\n",
        "windows\r\nline end",
        "trailing comma,",
        "  spaces kept  ",
        "ünïcødé ✓ 日本語 🚀",
        "",
    ];
    let start = at("2024-01-03T08:00:00.000001-05:00");
    let end = at("2024-01-03T09:15:00.999999-05:00");
    let mut written = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let task = format!("task, \"{i}\"\n");
        let mut fail = TaskRecord::finish(&task, Action::Fail, start, end, *text);
        fail.message = (*text).to_owned();
        written.push(TaskRecord::run(&task, start));
        written.push(fail);
        written.push(TaskRecord::terminate(&task, text, start, end));
    }
    let mut log = CsvLog::new(&path);
    append_all(&mut log, &written);
    log.sync().unwrap();

    let (loaded, logged) = capture(|| CsvLog::new(&path).peek().unwrap());
    assert_eq!(loaded, written);
    assert!(warnings(&logged).is_empty(), "{logged:?}");
    assert_eq!(loaded[1].runtime, Some(Duration::new(4500, 999_998_000)));
}

#[test]
fn z_timestamps_and_short_fractions_are_read() {
    let dir = TempDir::new("zulu");
    let path = dir.path("tasks.csv");
    fs::write(
        &path,
        format!(
            "{HEADER}a,2024-01-03T08:00:00Z,run,2024-01-03T08:00:00Z,,,m,\n\
             a,2024-01-03T08:00:02.5Z,success,2024-01-03T08:00:00Z,2024-01-03T09:00:02.5+01:00,2.5,m,\n"
        ),
    )
    .unwrap();
    let loaded = CsvLog::new(&path).load().unwrap();
    assert_eq!(loaded.len(), 2);
    assert_eq!(loaded[0].created, at("2024-01-03T08:00:00+00:00"));
    assert_eq!(loaded[1].end, Some(at("2024-01-03T08:00:02.5+00:00")));
    assert_eq!(loaded[1].runtime, Some(Duration::from_millis(2500)));
}

// ---------------------------------------------------------------- header

#[test]
fn header_is_written_once_across_reopens() {
    let dir = TempDir::new("reopen");
    let path = dir.path("nested/dirs/tasks.csv");
    let [run, finish] = run_pair("a", Action::Success, "");

    let mut first = CsvLog::new(&path);
    assert!(first.load().unwrap().is_empty());
    assert_eq!(
        read(&path),
        HEADER,
        "load creates the file and writes the header"
    );
    first.append(&run).unwrap();
    first.sync().unwrap();
    drop(first);

    let mut second = CsvLog::new(&path);
    second.append(&finish).unwrap(); // append without load
    drop(second);

    let mut third = CsvLog::new(&path);
    assert_eq!(third.load().unwrap(), [run, finish]);
    assert_eq!(read(&path).matches("task_name,created").count(), 1);
}

#[test]
fn peek_reads_without_creating_or_changing_anything() {
    let dir = TempDir::new("peek");
    let missing = dir.path("log/tasks.csv");
    assert!(CsvLog::new(&missing).peek().unwrap().is_empty());
    assert!(!missing.exists(), "peek created the file");
    assert!(!dir.path("log").exists(), "peek created the directory");

    let empty = dir.path("empty.csv");
    fs::write(&empty, "").unwrap();
    assert!(CsvLog::new(&empty).peek().unwrap().is_empty());
    assert_eq!(read(&empty), "", "peek wrote into an empty file");

    let full = dir.path("full.csv");
    let records = run_pair("a", Action::Success, "");
    append_all(&mut CsvLog::new(&full), &records);
    let before = read(&full);
    assert_eq!(CsvLog::new(&full).peek().unwrap(), records);
    assert_eq!(read(&full), before);
}

#[test]
fn an_empty_file_gets_the_header() {
    let dir = TempDir::new("empty");
    let path = dir.path("tasks.csv");
    fs::write(&path, "").unwrap();
    let [run, _] = run_pair("a", Action::Success, "");
    CsvLog::new(&path).append(&run).unwrap();
    assert!(read(&path).starts_with(HEADER));
    assert_eq!(CsvLog::new(&path).load().unwrap(), [run]);
}

#[test]
fn a_foreign_header_is_an_error_and_the_file_is_untouched() {
    let dir = TempDir::new("foreign");
    let path = dir.path("tasks.csv");
    let original = "asctime,task_name,action\n2024-01-03 08:00:00,a,run\n";
    fs::write(&path, original).unwrap();

    let err = CsvLog::new(&path).load().unwrap_err();
    assert_eq!(
        err.kind(),
        &LogErrorKind::ForeignHeader {
            found: "asctime,task_name,action".to_owned()
        }
    );
    assert_eq!(err.path(), path);
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("`asctime,task_name,action`"), "{text}");
    assert!(
        text.contains("move it away or choose another path"),
        "{text}"
    );

    let [run, _] = run_pair("a", Action::Success, "");
    assert!(CsvLog::new(&path).append(&run).is_err());
    assert_eq!(read(&path), original);
}

#[test]
fn a_header_cut_off_by_a_crash_is_completed() {
    let dir = TempDir::new("torn-header");
    let path = dir.path("tasks.csv");
    fs::write(&path, "task_name,crea").unwrap();
    let mut log = CsvLog::new(&path);
    assert!(log.load().unwrap().is_empty());
    let [run, _] = run_pair("a", Action::Success, "");
    log.append(&run).unwrap();
    assert!(read(&path).starts_with(HEADER));
    assert_eq!(CsvLog::new(&path).peek().unwrap(), [run]);
}

// ---------------------------------------------------------------- torn and bad rows

/// Writes two complete records, then `fragment` as if a crash cut the next row.
fn torn_log(dir: &TempDir, fragment: &str) -> (PathBuf, Vec<TaskRecord>, String) {
    let path = dir.path("tasks.csv");
    let records = run_pair("a", Action::Success, "").to_vec();
    append_all(&mut CsvLog::new(&path), &records);
    let mut bytes = read(&path);
    bytes.push_str(fragment);
    fs::write(&path, &bytes).unwrap();
    (path, records, bytes)
}

#[test]
fn a_plain_torn_row_is_skipped_and_spoiled_for_good() {
    let dir = TempDir::new("torn-plain");
    let (path, records, before) = torn_log(&dir, "b,2024-01-03T08:00:00.000000+01:00,ru");

    let mut log = CsvLog::new(&path);
    let (loaded, logged) = capture(|| log.load().unwrap());
    assert_eq!(loaded, records);
    assert_eq!(
        warnings(&logged),
        [format!(
            "skipping line 4 of the CSV log `{}`: no line end at the end of the file \
             (a row cut off by a crash)",
            path.display()
        )]
    );

    let [run, _] = run_pair("c", Action::Success, "");
    log.append(&run).unwrap();
    let after = read(&path);
    assert!(
        after.starts_with(&before),
        "existing bytes are never modified"
    );
    assert!(after[before.len()..].starts_with(",,,,,,,,\nc,"), "{after}");

    let (reloaded, logged) = capture(|| CsvLog::new(&path).peek().unwrap());
    assert_eq!(reloaded, [records, vec![run]].concat());
    let warned = warnings(&logged);
    assert_eq!(warned.len(), 1, "the fragment stays skipped: {warned:?}");
    assert!(
        warned[0].contains("closed when the log was next written"),
        "{warned:?}"
    );
}

#[test]
fn a_row_torn_inside_quotes_is_skipped_and_its_quote_closed() {
    let dir = TempDir::new("torn-quoted");
    let fragment = "b,2024-01-03T08:00:00.000000+01:00,terminate,,,,\"stopped, because";
    let (path, records, before) = torn_log(&dir, fragment);

    let mut log = CsvLog::new(&path);
    let (loaded, logged) = capture(|| log.load().unwrap());
    assert_eq!(loaded, records);
    let warned = warnings(&logged);
    assert_eq!(warned.len(), 1);
    assert!(warned[0].contains("line 4"), "{warned:?}");
    assert!(warned[0].contains("unterminated quote"), "{warned:?}");

    let [run, finish] = run_pair("c", Action::Fail, "boom");
    log.append(&run).unwrap();
    log.append(&finish).unwrap();
    let after = read(&path);
    assert!(after.starts_with(&before));
    assert!(
        after[before.len()..].starts_with("~\",,,,,,,,\nc,"),
        "{after}"
    );

    let (reloaded, logged) = capture(|| CsvLog::new(&path).peek().unwrap());
    assert_eq!(reloaded, [records, vec![run, finish]].concat());
    let warned = warnings(&logged);
    assert_eq!(warned.len(), 1);
    assert!(warned[0].contains("a row cut off by a crash"), "{warned:?}");
}

#[test]
fn a_row_torn_inside_quotes_after_a_newline_is_detected() {
    let dir = TempDir::new("torn-quoted-newline");
    let fragment = "b,2024-01-03T08:00:00.000000+01:00,fail,,,,m,\"first line\n";
    let (path, records, before) = torn_log(&dir, fragment);
    let (loaded, logged) = capture(|| CsvLog::new(&path).load().unwrap());
    assert_eq!(
        loaded, records,
        "an 8-field row inside an open quote is still torn"
    );
    assert_eq!(warnings(&logged).len(), 1);

    let [run, _] = run_pair("c", Action::Success, "");
    CsvLog::new(&path).append(&run).unwrap(); // append without load repairs too
    assert!(read(&path)[before.len()..].starts_with("~\",,,,,,,,\nc,"));
    assert_eq!(CsvLog::new(&path).load().unwrap().last(), Some(&run));
}

#[test]
fn bad_rows_are_skipped_with_a_warning_naming_their_lines() {
    let dir = TempDir::new("bad-rows");
    let path = dir.path("tasks.csv");
    let good = "a,2024-01-03T08:00:00.000000+01:00,run,2024-01-03T08:00:00.000000+01:00,,,m,";
    fs::write(
        &path,
        format!(
            "{HEADER}{good}\n\
             a,yesterday,run,,,,m,\n\
             a,2024-01-03T08:00:00.000000+01:00,exploded,,,,m,\n\
             a,2024-01-03T08:00:00.000000+01:00,success,,,soon,m,\n\
             too,few\n\
             {good}\n"
        ),
    )
    .unwrap();
    let (loaded, logged) = capture(|| CsvLog::new(&path).load().unwrap());
    assert_eq!(loaded.len(), 2);
    let warned = warnings(&logged);
    assert_eq!(warned.len(), 3, "{warned:?}");
    // `too,few` cannot start a row (no timestamp after the name): it is skipped with the
    // damaged row before it.
    for (warning, (lines, reason)) in warned.iter().zip([
        ("line 3 ", "`created` is not an ISO 8601 timestamp"),
        ("line 4 ", "unknown task action `exploded`"),
        ("lines 5–6 ", "`runtime` is not a number of seconds"),
    ]) {
        assert!(warning.contains(lines), "{warning}");
        assert!(warning.contains(reason), "{warning}");
    }
}

#[test]
fn a_stray_quote_costs_only_its_own_line() {
    let dir = TempDir::new("stray-quote");
    let path = dir.path("tasks.csv");
    let records: Vec<TaskRecord> = ["a", "b", "c"]
        .iter()
        .flat_map(|t| run_pair(t, Action::Fail, "boom,\n\"quoted\" line"))
        .collect();
    append_all(&mut CsvLog::new(&path), &records[..2]);
    let mut bytes = read(&path);
    bytes.push_str("garbage,\"unbalanced quote\n");
    fs::write(&path, &bytes).unwrap();
    append_all(&mut CsvLog::new(&path), &records[2..]);

    let (loaded, logged) = capture(|| CsvLog::new(&path).load().unwrap());
    assert_eq!(loaded, records, "no row after the stray quote is lost");
    let warned = warnings(&logged);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("skipping line 5 "), "{warned:?}");
    assert!(
        warned[0].contains("a quote opened in `created` is not closed on its line"),
        "{warned:?}"
    );
    assert!(!warned[0].contains("crash"), "not a crash: {warned:?}");
}

#[test]
fn a_damaged_multi_line_row_costs_only_its_lines() {
    let dir = TempDir::new("damaged-multi-line");
    let path = dir.path("tasks.csv");
    let records = run_pair("a", Action::Fail, "line one\nline two");
    append_all(&mut CsvLog::new(&path), &records);
    let mut bytes = read(&path);
    // A fail row whose exc_text is closed, then followed by junk: not a record; its
    // second line is not a row either. Both go, nothing else.
    bytes.push_str("b,2024-01-03T08:00:02.500000+01:00,fail,,,,m,\"one\ntwo\" junk\n");
    fs::write(&path, &bytes).unwrap();
    let more = run_pair("c", Action::Success, "");
    append_all(&mut CsvLog::new(&path), &more);

    let (loaded, logged) = capture(|| CsvLog::new(&path).load().unwrap());
    assert_eq!(loaded, [records.to_vec(), more.to_vec()].concat());
    let warned = warnings(&logged);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("lines 5–6 "), "{warned:?}");
    assert!(
        warned[0].contains("text after the closing quote"),
        "{warned:?}"
    );
}

#[test]
fn crlf_line_ends_and_blank_lines_are_read() {
    let dir = TempDir::new("crlf");
    let path = dir.path("tasks.csv");
    let records = run_pair("a", Action::Fail, "one\ntwo");
    append_all(&mut CsvLog::new(&path), &records);
    let crlf = read(&path).replace("Z,\n", "Z,\r\n").replace('\n', "\r\n");
    fs::write(&path, format!("\r\n{crlf}\r\n")).unwrap();
    let (loaded, logged) = capture(|| CsvLog::new(&path).load().unwrap());
    let mut expected = records.to_vec();
    // The line end inside the quoted exc_text is data: it reads back as written.
    expected[1].exc_text = "one\r\ntwo".to_owned();
    assert_eq!(loaded, expected);
    assert!(warnings(&logged).is_empty(), "{logged:?}");
}

// ---------------------------------------------------------------- errors and sync

#[test]
fn an_unwritable_path_is_an_error_naming_it() {
    let dir = TempDir::new("unwritable");
    let blocker = dir.path("not-a-dir");
    fs::write(&blocker, "a file where a directory should be").unwrap();
    let path = blocker.join("tasks.csv");

    let err = CsvLog::new(&path).load().unwrap_err();
    assert_eq!(err.kind(), &LogErrorKind::CreateDir);
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "cannot create the directory of the CSV log `{}`: ",
            path.display()
        )),
        "{text}"
    );
    assert!(text.contains("CsvLog::new"), "{text}");
    let source = std::error::Error::source(&err).expect("the io error is kept");
    assert!(source.downcast_ref::<std::io::Error>().is_some());

    let [run, _] = run_pair("a", Action::Success, "");
    let err = CsvLog::new(&path).append(&run).unwrap_err();
    assert_eq!(err.kind(), &LogErrorKind::CreateDir);
}

#[test]
fn a_directory_as_the_file_is_an_error_naming_it() {
    let dir = TempDir::new("dir-as-file");
    let path = dir.path("tasks.csv");
    fs::create_dir(&path).unwrap();
    let err = CsvLog::new(&path).load().unwrap_err();
    assert_eq!(err.kind(), &LogErrorKind::Open);
    assert!(err.to_string().contains(&path.display().to_string()));
}

#[test]
fn sync_and_describe() {
    let dir = TempDir::new("sync");
    let path = dir.path("tasks.csv");
    let mut log = CsvLog::new(&path);
    log.sync().unwrap(); // nothing opened yet: nothing to do
    let [run, _] = run_pair("a", Action::Success, "");
    log.append(&run).unwrap();
    log.sync().unwrap();
    log.sync().unwrap();
    assert_eq!(log.describe(), format!("CSV log at {}", path.display()));
    assert_eq!(log.path(), path);
}

#[test]
fn stores_work_behind_a_box() {
    let mut stores: Vec<Box<dyn LogStore>> = vec![Box::new(MemoryLog::new())];
    let [run, _] = run_pair("a", Action::Success, "");
    for store in &mut stores {
        store.append(&run).unwrap();
        assert_eq!(store.load().unwrap(), std::slice::from_ref(&run));
    }
}

// ---------------------------------------------------------------- facade

#[test]
fn records_are_emitted_on_the_facade() {
    // The scheduler emits every record it writes: a failing task's run and fail.
    let clock = ManualClock::new(chrono::Utc::now());
    let session = Session::builder()
        .clock(clock)
        .zone(Zone::Utc)
        .log_memory()
        .task_execution(Execution::Main)
        .task(
            Task::builder("get_data")
                .start_cond("~has started")
                .run(|_| Err::<(), _>("boom\nCaused by: io")),
        )
        .task(
            Task::builder("x")
                .start_cond("after task 'get_data' failed")
                .run(|_| Terminated),
        )
        .shut_cond("task 'x' has terminated")
        .build()
        .unwrap();
    let (_, logged) = capture(move || {
        let mut session = session;
        session.run().unwrap();
    });
    let logged: Vec<&Captured> = logged
        .iter()
        .filter(|c| c.target == "redengine::task")
        .collect();
    assert_eq!(logged.len(), 4, "{logged:#?}");
    assert_eq!(logged[0].level, log::Level::Info);
    assert_eq!(logged[0].text, "Task 'get_data' status: 'run'");
    let kvs = |task: &str, action: &str| {
        vec![
            ("task_name".to_owned(), task.to_owned()),
            ("action".to_owned(), action.to_owned()),
        ]
    };
    assert_eq!(logged[0].kvs, kvs("get_data", "run"));
    assert_eq!(logged[1].level, log::Level::Error);
    assert_eq!(
        logged[1].text,
        "Task 'get_data' status: 'fail'\nboom\nCaused by: io"
    );
    assert_eq!(logged[1].kvs, kvs("get_data", "fail"));
    assert_eq!(logged[3].level, log::Level::Info);
    // The message names the task: a logger that prints only the text still says which.
    assert_eq!(logged[3].text, "Task 'x' status: 'terminate' (task)");
    assert_eq!(logged[3].kvs, kvs("x", "terminate"));
}
