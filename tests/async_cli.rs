//! A hand-written `main` keeps the generated one's commands and process-child dispatch:
//! through `redengine::run_cli`, and embedded in its own clap command line with
//! `SchedulerCommand` (`tests/bin/own_main.rs`).

#![cfg(unix)]

mod common;

use std::process::{Command, Output};

const EXE: &str = env!("CARGO_BIN_EXE_own_main");

fn own_main(name: &str, plain: bool, args: &[&str]) -> (Output, std::path::PathBuf) {
    let dir = common::scratch_dir("own-main", name);
    let mut command = Command::new(EXE);
    command
        .args(args)
        .env("RE_LOG", dir.join("tasks.csv"))
        .env("RE_OUT", dir.join("stamp.txt"))
        .env("REDENGINE_LOG", "off");
    if plain {
        command.env("RE_PLAIN", "1");
    }
    (command.output().unwrap(), dir)
}

#[test]
fn the_embedded_commands_list_check_and_run_tasks_in_process_children() {
    let (out, _) = own_main("hello", false, &["hello"]);
    common::assert_code(&out, 0);
    assert_eq!(common::stdout(&out), "the program's own command\n");

    let (out, _) = own_main("list", false, &["scheduler", "list", "--json"]);
    common::assert_code(&out, 0);
    assert!(
        common::stdout(&out).contains("\"name\":\"stamp\""),
        "{}",
        common::stdout(&out)
    );

    let (out, _) = own_main("check", false, &["scheduler", "check", "stamp"]);
    common::assert_code(&out, 0);
    assert!(common::stdout(&out).contains("stamp"));

    let (out, dir) = own_main("run-task", false, &["scheduler", "run-task", "stamp"]);
    common::assert_code(&out, 0);
    let stamp = std::fs::read_to_string(dir.join("stamp.txt")).unwrap();
    assert!(stamp.starts_with("pid="), "{stamp}");

    let (out, _) = own_main("unknown", false, &["scheduler", "run-task", "nope"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        common::stderr(&out).contains("nope"),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn the_embedded_commands_read_and_move_the_log_and_name_the_cluster_they_need() {
    let dir = common::scratch_dir("own-main", "log-commands");
    let run = |args: &[&str]| {
        Command::new(EXE)
            .args(args)
            .env("RE_LOG", dir.join("tasks.csv"))
            .env("RE_OUT", dir.join("stamp.txt"))
            .env("REDENGINE_LOG", "off")
            .output()
            .unwrap()
    };
    common::assert_code(&run(&["scheduler", "run-task", "stamp"]), 0);

    let out = run(&["scheduler", "history", "stamp", "--json", "--limit", "5"]);
    common::assert_code(&out, 0);
    let text = common::stdout(&out);
    assert!(
        text.contains("\"action\": \"run\"") && text.contains("\"action\": \"success\""),
        "{text}"
    );
    let out = run(&["scheduler", "history", "--failed"]);
    common::assert_code(&out, 0);
    assert!(
        !common::stdout(&out).contains("success"),
        "{}",
        common::stdout(&out)
    );

    let copy = dir.join("copy.csv");
    let out = run(&["scheduler", "log", "export", copy.to_str().unwrap()]);
    common::assert_code(&out, 0);
    let exported = std::fs::read_to_string(&copy).unwrap();
    assert_eq!(
        exported.lines().filter(|l| l.starts_with("stamp,")).count(),
        2,
        "{exported}"
    );

    // A CSV log is no cluster: `status` says which log to give.
    let out = run(&["scheduler", "status"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        common::stderr(&out).contains("--log postgres://"),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn run_cli_gives_a_hand_written_main_the_generated_command_line() {
    let (out, _) = own_main("plain-list", true, &["list", "--json"]);
    common::assert_code(&out, 0);
    assert!(common::stdout(&out).contains("\"name\":\"stamp\""));

    let (out, dir) = own_main("plain-run-task", true, &["run-task", "stamp"]);
    common::assert_code(&out, 0);
    assert!(std::fs::read_to_string(dir.join("stamp.txt"))
        .unwrap()
        .starts_with("pid="));

    let (out, _) = own_main("plain-bad", true, &["lsit"]);
    common::assert_code(&out, 2);
}
