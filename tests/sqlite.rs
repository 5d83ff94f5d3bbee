//! The SQLite log: a scheduler killed with SIGKILL loses nothing it wrote, one scheduler
//! per database, readers while it runs, and faults that are clear errors naming the file.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use chrono::DateTime;
use redengine::log::{is_sqlite_path, LogErrorKind};
use redengine::{Action, LogStore, SqliteLog, TaskRecord};

use common::scratch_dir;

fn temp_db(name: &str) -> PathBuf {
    scratch_dir("sqlite", name).join("tasks.db")
}

fn program(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sqlite_tasks"));
    command.args(args);
    command
}

fn record(task: &str) -> TaskRecord {
    let at = DateTime::parse_from_rfc3339("2024-01-03T08:00:00+01:00").unwrap();
    TaskRecord::finish(task, Action::Success, at, at, "")
}

/// Reads `child`'s stdout line by line until `done` says stop; returns the lines read.
fn read_until(child: &mut Child, mut done: impl FnMut(&str) -> bool) -> Vec<String> {
    let stdout = child.stdout.as_mut().expect("piped stdout");
    let mut reader = BufReader::new(stdout);
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("the child ended before it was ready; lines: {lines:?}");
        }
        let line = line.trim_end().to_owned();
        let stop = done(&line);
        lines.push(line);
        if stop {
            return lines;
        }
    }
}

#[test]
fn a_scheduler_killed_with_sigkill_loses_no_record_and_its_value_crosses_the_restart() {
    let path = temp_db("kill");
    let path_text = path.to_str().unwrap();
    let mut child = program(&["run", path_text])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until `slow` is running and `get_data` has run a good number of times.
    let mut slow = false;
    let mut last = 0_u64;
    let lines = read_until(&mut child, |line| {
        slow |= line == "slow started";
        if let Some(n) = line.strip_prefix("value ") {
            last = n.parse().unwrap();
        }
        slow && last >= 200
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(lines.iter().any(|l| l == "slow started"));

    let records = SqliteLog::new(&path).peek().unwrap();
    let count = |task: &str, action: Action| {
        records
            .iter()
            .filter(|r| r.task_name == task && r.action == action)
            .count() as u64
    };
    // Run `last` was logged before its body printed, and every earlier run's success
    // before the next run started.
    assert!(count("get_data", Action::Run) >= last, "{last}");
    let successes = count("get_data", Action::Success);
    assert!(successes >= last - 1, "{successes} < {last} - 1");
    assert_eq!(count("slow", Action::Run), 1);

    // The restarted scheduler closes the unfinished runs and gives `get_data`'s value.
    let out = program(&["check", path_text]).output().unwrap();
    common::assert_code(&out, 0);
    let stdout = common::stdout(&out);
    assert!(
        stdout.contains(&format!("seen Ok(Some({successes}))")),
        "the last success returned {successes}: {stdout}"
    );
    let after = SqliteLog::new(&path).peek().unwrap();
    assert_eq!(after[..records.len()], records[..], "nothing was rewritten");
    let crashes: Vec<&str> = after[records.len()..]
        .iter()
        .filter(|r| r.action == Action::Crash)
        .map(|r| r.task_name.as_str())
        .collect();
    let get_data_open = count("get_data", Action::Run) > successes;
    let expected: Vec<&str> = if get_data_open {
        vec!["slow", "get_data"]
    } else {
        vec!["slow"]
    };
    assert_eq!(crashes, expected);
}

#[test]
fn a_second_store_is_refused_and_readers_still_read() {
    let path = temp_db("lock");
    let mut first = SqliteLog::new(&path);
    first.load().unwrap();
    first.append(&record("a")).unwrap();

    let mut second = SqliteLog::new(&path);
    let err = second.load().unwrap_err();
    let pid = Some(std::process::id()).filter(|_| cfg!(target_os = "linux"));
    assert_eq!(err.kind(), &LogErrorKind::Locked { pid });
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("SQLite log"), "{text}");
    assert!(second.append(&record("b")).is_err());

    // Readers take no lock and see what was appended.
    assert_eq!(SqliteLog::new(&path).peek().unwrap(), [record("a")]);
    first.append(&record("c")).unwrap();
    assert_eq!(
        SqliteLog::new(&path).peek().unwrap(),
        [record("a"), record("c")]
    );

    drop(first);
    assert_eq!(second.load().unwrap(), [record("a"), record("c")]);
}

#[test]
fn a_second_process_is_refused_while_the_first_holds_the_database() {
    let path = temp_db("lock-process");
    let path_text = path.to_str().unwrap();
    let mut holder = program(&["hold", path_text])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    read_until(&mut holder, |l| l == "ready");
    let out = program(&["check", path_text]).output().unwrap();
    common::assert_code(&out, 1);
    let stderr = common::stderr(&out);
    assert!(stderr.contains("in use by another scheduler"), "{stderr}");
    assert!(
        stderr.contains(&format!("process {}", holder.id())),
        "{stderr}"
    );
    // `list`-style readers still read.
    assert_eq!(SqliteLog::new(&path).peek().unwrap(), []);
    drop(holder.stdin.take());
    holder.wait().unwrap();
    let out = program(&["check", path_text]).output().unwrap();
    common::assert_code(&out, 0);
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    for (name, contents) in [
        (
            "text",
            b"task_name,created,action\nnot a database at all\n".to_vec(),
        ),
        ("damaged", {
            let mut bytes = b"SQLite format 3\0".to_vec();
            bytes.extend(std::iter::repeat_n(0xAB_u8, 4096));
            bytes
        }),
    ] {
        let path = temp_db(name);
        std::fs::write(&path, &contents).unwrap();
        for err in [
            SqliteLog::new(&path).load().unwrap_err(),
            SqliteLog::new(&path).peek().unwrap_err(),
        ] {
            let text = err.to_string();
            assert!(
                matches!(err.kind(), LogErrorKind::NotATaskLog { .. }),
                "{name}: {text}"
            );
            assert!(text.contains(&path.display().to_string()), "{text}");
            assert!(text.contains("never rewrites"), "{text}");
        }
        assert_eq!(std::fs::read(&path).unwrap(), contents, "{name}: untouched");
    }
}

#[test]
fn a_foreign_sqlite_database_is_refused_and_left_alone() {
    let path = temp_db("foreign");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);")
        .unwrap();
    drop(conn);
    let before = std::fs::read(&path).unwrap();
    let err = SqliteLog::new(&path).load().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("customers"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_database_of_a_newer_schema_is_refused() {
    let path = temp_db("newer");
    SqliteLog::new(&path).load().unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE schema_version SET version = 99", [])
        .unwrap();
    drop(conn);
    let err = SqliteLog::new(&path).load().unwrap_err();
    assert!(
        matches!(err.kind(), LogErrorKind::NewerSchema { found: 99, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("newer redengine"), "{err}");
}

#[test]
fn a_database_locked_by_another_program_is_an_error_naming_the_file() {
    let path = temp_db("busy");
    let mut log = SqliteLog::new(&path);
    log.load().unwrap();
    log.append(&record("a")).unwrap();
    // Another program (a `sqlite3` shell, say) holds a write transaction.
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO schema_version VALUES (2);")
        .unwrap();
    let err = log.append(&record("b")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("locked") || text.contains("busy"), "{text}");
    other.execute_batch("ROLLBACK;").unwrap();
    drop(other);
    // The failed append left nothing behind; the next one works.
    log.append(&record("c")).unwrap();
    assert_eq!(log.load().unwrap(), [record("a"), record("c")]);
}

#[cfg(unix)]
#[test]
fn a_read_only_directory_is_an_error_naming_the_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch_dir("sqlite", "read-only");
    let path = dir.join("tasks.db");
    // Others may enter and read it, nobody may write (not even its owner).
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let text = if std::fs::write(dir.join("probe"), "x").is_ok() {
        // Root ignores permissions: open the store from a child running as `nobody`.
        use std::os::unix::process::CommandExt;
        let _ = std::fs::remove_file(dir.join("probe"));
        let out = Command::new(env!("CARGO_BIN_EXE_sqlite_tasks"))
            .args(["open", path.to_str().unwrap()])
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap();
        common::assert_code(&out, 1);
        String::from_utf8_lossy(&out.stderr).into_owned()
    } else {
        SqliteLog::new(&path).load().unwrap_err().to_string()
    };
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("write access"), "{text}");
}

#[cfg(unix)]
#[test]
fn a_full_disk_is_an_error_naming_the_file_and_loses_no_record_reported_written() {
    let path = temp_db("full");
    let path_text = path.to_str().unwrap();
    // A file size limit of 256 KiB (512-byte blocks), its signal ignored so writes fail
    // with EFBIG like on a full disk.
    let out = Command::new("sh")
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 512; exec \"$0\" fill \"$1\"",
            env!("CARGO_BIN_EXE_sqlite_tasks"),
            path_text,
        ])
        .output()
        .unwrap();
    common::assert_code(&out, 0);
    let stdout = common::stdout(&out);
    let appended: usize = stdout
        .lines()
        .find_map(|l| l.strip_prefix("appended "))
        .unwrap()
        .parse()
        .unwrap();
    let error = stdout
        .lines()
        .find_map(|l| l.strip_prefix("error "))
        .unwrap();
    assert!(appended > 10, "{stdout}");
    assert!(error.contains(&path.display().to_string()), "{error}");
    assert!(error.contains("free space"), "{error}");
    // Without the limit, every record reported written is there, and no other.
    let records = SqliteLog::new(&path).peek().unwrap();
    assert_eq!(records.len(), appended, "{error}");
    let mut log = SqliteLog::new(&path);
    assert_eq!(log.load().unwrap().len(), appended);
    log.append(&record("after")).unwrap();
}

#[test]
fn sqlite_paths_are_told_by_their_extension() {
    for (path, sqlite) in [
        ("log/tasks.db", true),
        ("tasks.sqlite", true),
        ("x/tasks.SQLITE3", true),
        ("log/tasks.csv", false),
        ("tasks", false),
        ("db", false),
    ] {
        assert_eq!(is_sqlite_path(Path::new(path)), sqlite, "{path}");
    }
}

#[test]
fn the_store_is_send() {
    fn assert_send<T: Send + 'static>() {}
    assert_send::<SqliteLog>();
    let _ = std::io::stdout().flush();
}

#[test]
fn the_config_key_chooses_the_sqlite_log_unless_the_builder_chose_a_store() {
    let path = temp_db("config");
    let mut session = redengine::Session::builder()
        .zone(redengine::Zone::Utc)
        .config("log_sqlite", path.display())
        .shut_cond("true")
        .build()
        .unwrap();
    assert!(
        format!("{session:?}").contains("SQLite log at"),
        "{session:?}"
    );
    session.run().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"SQLite format 3\0"));

    let other = temp_db("config-ignored");
    let session = redengine::Session::builder()
        .log_memory()
        .config("log_sqlite", other.display())
        .build()
        .unwrap();
    assert!(
        format!("{session:?}").contains("in-memory log"),
        "{session:?}"
    );

    let err = redengine::Session::builder()
        .config("log_sqlite", "")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("log_sqlite"), "{err}");
}

#[test]
fn a_file_in_the_way_of_the_directory_is_an_error_naming_the_path() {
    let dir = scratch_dir("sqlite", "blocked");
    let blocker = dir.join("log");
    std::fs::write(&blocker, "not a directory").unwrap();
    let path = blocker.join("tasks.db");
    let err = SqliteLog::new(&path).load().unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("SQLite log"), "{text}");
    assert!(text.contains("`SessionBuilder::log_sqlite`"), "{text}");
    assert_eq!(std::fs::read(&blocker).unwrap(), b"not a directory");
}
