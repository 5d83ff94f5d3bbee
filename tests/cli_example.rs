//! `run-task` of the advanced example's process task (`check_mail`), run as the built
//! binary: the shutdown summary counts the run, although its `task_execute` hook ran in
//! the child process.

#![cfg(unix)]

use std::process::{Command, Stdio};

#[test]
fn the_summary_counts_a_process_task_run() {
    let dir = std::env::temp_dir().join(format!("redengine-cli-example-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    let out = Command::new(env!("CARGO_BIN_EXE_advanced_example"))
        .args(["run-task", "check_mail"])
        .current_dir(&dir)
        .env_remove("REDENGINE_TASK")
        .env("REDENGINE_LOG", "off")
        .stdin(Stdio::null())
        .output()
        .expect("the advanced example runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    // check_mail succeeds, or (between 16:00 and 20:00, its end_cond) is terminated.
    let summary = text
        .lines()
        .find(|l| l.starts_with("shutdown after 1 cycle: "))
        .unwrap_or_else(|| panic!("no summary line:\n{text}\n{err}"));
    let counted = if text.contains("check_mail  success at ") {
        "1 run succeeded, 0 failed, 0 other"
    } else {
        assert!(text.contains("check_mail  terminate at "), "{text}\n{err}");
        "0 runs succeeded, 0 failed, 1 other"
    };
    assert!(summary.contains(counted), "{summary}\n{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
