//! What a `#[redengine::main]` program shows without any logging code of its own, run as
//! built binaries (`bin/cli_demo.rs`, `bin/no_tasks.rs`): the default console logger in
//! Red Engine's format, `REDENGINE_LOG`, a program's own logger kept, terminate records
//! naming their task, task-file problems on stderr whatever the logger, and the message
//! of a program that registered no task.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{assert_code, stderr, stdout};

/// Runs `exe` with `args` and the environment `env` (`REDENGINE_LOG` unset otherwise).
fn run(exe: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(exe);
    command
        .args(args)
        .env_remove("REDENGINE_TASK")
        .env_remove("REDENGINE_LOG");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

fn demo(args: &[&str], env: &[(&str, &str)]) -> Output {
    run(env!("CARGO_BIN_EXE_cli_demo"), args, env)
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    common::scratch_dir("console", name)
}

/// Whether `line` starts with an asctime like `2024-01-03 08:00:02,500 `.
fn stamped(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 24
        && b[..23].iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 | 23 => *c == b' ',
            13 | 16 => *c == b':',
            19 => *c == b',',
            _ => c.is_ascii_digit(),
        })
        && b[23] == b' '
}

/// The console lines on stderr, without their asctime.
fn console_lines(err: &str) -> Vec<String> {
    err.lines()
        .filter(|l| stamped(l))
        .map(|l| l[24..].to_string())
        .collect()
}

#[test]
fn without_a_logger_the_console_shows_task_events_and_the_error_text() {
    let out = demo(&["run-task", "broken"], &[]);
    assert_code(&out, 1);
    let err = stderr(&out);
    let lines = console_lines(&err);
    assert!(
        lines.contains(&"INFO     broken Task 'broken' status: 'run'".to_string()),
        "{err}"
    );
    assert!(
        lines.contains(&"ERROR    broken Task 'broken' status: 'fail'".to_string()),
        "{err}"
    );
    assert!(
        err.contains("status: 'fail'\ndatabase unreachable\n"),
        "the error text follows the fail line:\n{err}"
    );
    // Scheduler events leave the task-name column empty.
    assert!(
        lines.iter().any(|l| l.starts_with("INFO      starting: ")),
        "{err}"
    );
    // The console writes on stderr: stdout keeps the command's own report.
    assert!(!stdout(&out).lines().any(stamped), "{}", stdout(&out));
}

#[test]
fn redengine_log_makes_the_console_quieter_or_louder() {
    let out = demo(&["run-task", "broken"], &[("REDENGINE_LOG", "warn")]);
    assert_code(&out, 1);
    let lines = console_lines(&stderr(&out));
    assert_eq!(
        lines,
        ["ERROR    broken Task 'broken' status: 'fail'"],
        "{}",
        stderr(&out)
    );

    let out = demo(&["run-task", "broken"], &[("REDENGINE_LOG", "off")]);
    assert_code(&out, 1);
    assert!(console_lines(&stderr(&out)).is_empty(), "{}", stderr(&out));

    let out = demo(
        &["run-task", "broken"],
        &[("REDENGINE_LOG", "error,redengine::scheduler=info")],
    );
    let lines = console_lines(&stderr(&out));
    assert!(lines.iter().any(|l| l.contains("starting: ")), "{lines:?}");
    assert!(
        !lines.iter().any(|l| l.contains("status: 'run'")),
        "{lines:?}"
    );

    // A value that is no level is reported, and the default used.
    let out = demo(&["run-task", "broken"], &[("REDENGINE_LOG", "loud")]);
    let err = stderr(&out);
    assert!(
        err.contains("warning: REDENGINE_LOG=\"loud\": `loud` is not a log level"),
        "{err}"
    );
    assert!(err.contains("status: 'run'"), "{err}");
}

#[test]
fn a_program_with_its_own_logger_keeps_it() {
    let out = demo(&["run-task", "broken"], &[("CLI_DEMO_OWN_LOGGER", "1")]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("OWN Task 'broken' status: 'fail'"), "{err}");
    assert!(console_lines(&err).is_empty(), "{err}");
}

#[test]
fn terminate_records_name_their_task() {
    let out = demo(&["run-task", "stuck"], &[]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        console_lines(&err)
            .contains(&"INFO     stuck Task 'stuck' status: 'terminate' (end_cond)".to_string()),
        "{err}"
    );
    // A logger that prints only the message sees the name too.
    let out = demo(&["run-task", "stuck"], &[("CLI_DEMO_OWN_LOGGER", "1")]);
    assert!(
        stderr(&out).contains("OWN Task 'stuck' status: 'terminate' (end_cond)"),
        "{}",
        stderr(&out)
    );
}

/// A task directory with one good and one broken task file.
fn task_files() -> PathBuf {
    let dir = scratch("files");
    std::fs::write(
        dir.join("good.toml"),
        "[[task]]\nname = \"hello_file\"\ncommand = \"true\"\nstart_cond = \"daily\"\n",
    )
    .expect("write good.toml");
    std::fs::write(
        dir.join("broken.toml"),
        "[[task]]\nname = \"typo\"\ncommand = \"true\"\nstart_cond = \"daily aftr 07:00\"\n",
    )
    .expect("write broken.toml");
    dir
}

fn dir_env(dir: &Path) -> (&'static str, &str) {
    ("CLI_DEMO_TASK_DIR", dir.to_str().expect("utf-8 path"))
}

#[test]
fn check_fails_when_a_task_file_has_problems() {
    let dir = task_files();
    for env in [
        vec![dir_env(&dir)],
        vec![dir_env(&dir), ("CLI_DEMO_OWN_LOGGER", "1")],
        vec![dir_env(&dir), ("REDENGINE_LOG", "off")],
    ] {
        let out = demo(&["check"], &env);
        assert_code(&out, 1);
        let err = stderr(&out);
        assert!(
            err.lines()
                .any(|l| l.contains("task file: ") && l.contains("broken.toml:4")),
            "{env:?}: the problem names the file and line on stderr:\n{err}"
        );
        assert!(
            err.contains("error: the task files have problems"),
            "{env:?}: {err}"
        );
        // The good file's task is still explained.
        assert!(stdout(&out).contains("\nhello_file: "), "{}", stdout(&out));
    }
    std::fs::remove_file(dir.join("broken.toml")).expect("remove broken.toml");
    let out = demo(&["check"], &[dir_env(&dir)]);
    assert_code(&out, 0);

    let json = demo(&["check", "--json"], &[dir_env(&task_files())]);
    assert_code(&json, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON on stdout");
    let problems = doc["problems"].as_array().expect("a problems array");
    assert_eq!(problems.len(), 1, "{doc}");
    assert!(problems[0]
        .as_str()
        .is_some_and(|p| p.contains("broken.toml:4")));
}

#[test]
fn run_reports_task_file_problems_on_stderr_whatever_the_logger() {
    let dir = task_files();
    for env in [
        vec![dir_env(&dir)],
        vec![dir_env(&dir), ("CLI_DEMO_OWN_LOGGER", "1")],
    ] {
        let out = demo(&["run"], &env);
        assert_code(&out, 0);
        let err = stderr(&out);
        let shown = err
            .lines()
            .filter(|l| l.contains("task file: ") && l.contains("broken.toml:4"))
            .count();
        let own = env.iter().any(|(k, _)| *k == "CLI_DEMO_OWN_LOGGER");
        // Once on the console, or through the program's logger and once on stderr.
        assert_eq!(shown, if own { 2 } else { 1 }, "{env:?}:\n{err}");
    }
}

#[test]
fn a_program_without_tasks_says_so() {
    let exe = env!("CARGO_BIN_EXE_no_tasks");
    for (args, code, level) in [
        (&["run"][..], 0, "warning"),
        (&["list"], 0, "warning"),
        (&["check"], 1, "error"),
    ] {
        let out = run(exe, args, &[]);
        assert_code(&out, code);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{level}: no task is registered in this program.")),
            "{args:?}: {err}"
        );
        assert!(err.contains("`mod tasks;`"), "{args:?}: {err}");
    }
}
