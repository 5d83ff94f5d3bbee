//! A tokio program embedding the scheduler, for `tests/async_embed.rs`. `RE_MODE` picks:
//!
//! * `process`: an `async fn` task with `execution = "process"` runs in a child (this
//!   binary again, whose `#[tokio::main]` serves it: the child runs the future on a
//!   runtime of its own) and writes its pid to `RE_OUT`;
//! * `embed` / `embed-signals`: the scheduler runs inside this program with
//!   `handle_signals(false)` / `(true)`; once a task ran, the program prints the signals
//!   the process catches (`SigCgt`), installs its own SIGINT handler, prints `ready`,
//!   and on SIGINT shuts the scheduler down through its handle.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use redengine::{Session, Task};

#[redengine::task(start_cond = "~has started", execution = "process")]
async fn stamp() -> Result<(), String> {
    tokio::task::yield_now().await;
    let out = std::env::var_os("RE_OUT").ok_or("RE_OUT is not set")?;
    std::fs::write(PathBuf::from(out), format!("pid={}", std::process::id()))
        .map_err(|e| e.to_string())
}

fn session() -> Session {
    let mode = std::env::var("RE_MODE").unwrap_or_default();
    let builder = if mode == "process" {
        Session::from_registry().shut_cond("task 'stamp' has finished")
    } else {
        Session::builder()
    };
    builder
        .log_csv(std::env::var_os("RE_LOG").unwrap_or_else(|| "log/tasks.csv".into()))
        .handle_signals(mode == "embed-signals")
        .build()
        .expect("the test session builds")
}

/// The `SigCgt` line of /proc/self/status: the signals this process catches.
fn caught() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    if let Some(code) = redengine::run_child_if_requested(session) {
        return code;
    }
    let mode = std::env::var("RE_MODE").unwrap_or_default();
    if mode == "process" {
        return match session().run_async().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let (ran, has_run) = tokio::sync::oneshot::channel::<()>();
    let ran = std::sync::Mutex::new(Some(ran));
    let task = Task::builder("tick")
        .start_cond("~has started")
        .run_async(move |_| {
            let ran = ran.lock().unwrap().take();
            async move {
                if let Some(ran) = ran {
                    let _ = ran.send(());
                }
            }
        });
    let session = Session::builder()
        .log_csv(std::env::var_os("RE_LOG").unwrap_or_else(|| "log/tasks.csv".into()))
        .handle_signals(mode == "embed-signals")
        .task(task)
        .build()
        .expect("the test session builds");
    let handle = session.handle();
    let scheduler = tokio::spawn(session.run_async());
    has_run.await.expect("the task ran");
    println!("caught {:x}", caught());
    let mut interrupts =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).unwrap();
    println!("ready");
    std::io::stdout().flush().unwrap();
    interrupts.recv().await;
    println!("the program got SIGINT");
    handle.shutdown();
    match scheduler.await.expect("the scheduler's task") {
        Ok(()) => {
            println!("the scheduler stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
