//! A scheduler binary whose tasks run as process children, for `tests/process.rs`.
//!
//! `RE_SCENARIO` picks which tasks may start (their conditions read the session parameter
//! `env`), `RE_LOG` is the CSV log and `RE_OUT` a directory where tasks leave evidence
//! (pids, received values). The child processes build the same session from the same
//! environment, as the process executor requires.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use redengine::{Execution, Outcome, Session, Task, TerminationFlag};
use serde::{Deserialize, Serialize};

/// A value that crosses the process boundary both ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Report {
    rows: u32,
    made_by: u32,
}

fn out(name: &str) -> PathBuf {
    PathBuf::from(std::env::var_os("RE_OUT").unwrap_or_default()).join(name)
}

/// Leaves evidence atomically (a temporary file renamed into place): a reader that sees
/// the file sees all of it, even if the task is killed right after.
fn leave(name: &str, text: &str) {
    let tmp = out(&format!("{name}.tmp"));
    if std::fs::write(&tmp, text).is_ok() {
        let _ = std::fs::rename(tmp, out(name));
    }
}

// --- returns & parameters -------------------------------------------------------------

#[redengine::task(start_cond = "env 'returns' & ~has started", execution = "process")]
fn produce() -> Report {
    Report {
        rows: 3,
        made_by: std::process::id(),
    }
}

#[redengine::param]
fn friends() -> Vec<String> {
    vec![format!("computed in {}", std::process::id())]
}

#[redengine::task(
    start_cond = "env 'returns' & after task 'produce'",
    execution = "process",
    params(report = Return("produce"), limit = 10_u64)
)]
fn consume(
    report: Option<Report>,
    greeting: String,
    friends: Vec<String>,
    limit: u64,
) -> Result<u32, String> {
    let report = report.ok_or("no report arrived")?;
    leave(
        "consume",
        &format!(
            "pid={} report={report:?} greeting={greeting} friends={friends:?} limit={limit} \
             task_env={:?}",
            std::process::id(),
            std::env::var_os("REDENGINE_TASK")
        ),
    );
    Ok(report.rows * 2)
}

#[redengine::task(
    start_cond = "env 'returns' & after task 'consume'",
    execution = "main",
    params(doubled = Return("consume"))
)]
fn check_doubled(doubled: Option<u32>) -> Result<(), String> {
    leave("check_doubled", &format!("{doubled:?}"));
    match doubled {
        Some(6) => Ok(()),
        other => Err(format!("expected Some(6), got {other:?}")),
    }
}

// --- timeout -------------------------------------------------------------------------------

#[redengine::task(
    start_cond = "env 'timeout' & ~has started",
    execution = "process",
    timeout = 1
)]
fn sleepy() -> Result<(), String> {
    let mut sh = Command::new("sh")
        .args(["-c", "sleep 60"])
        .spawn()
        .map_err(|e| e.to_string())?;
    leave("sleepy", &format!("{} {}", std::process::id(), sh.id()));
    sh.wait().map_err(|e| e.to_string())?;
    Ok(())
}

// --- end_cond ------------------------------------------------------------------------------

#[redengine::task(
    start_cond = "env 'end_cond' & ~has started",
    end_cond = "task 'trigger' has succeeded",
    execution = "process"
)]
fn watched() {
    leave("watched", &std::process::id().to_string());
    std::thread::sleep(Duration::from_secs(60));
}

/// Waits (bounded) until `watched` is really running in its child, then succeeds, which
/// makes `watched`'s end condition true.
#[redengine::task(
    start_cond = "env 'end_cond' & task 'watched' is running & ~has started",
    execution = "main"
)]
fn trigger() -> Result<(), String> {
    for _ in 0..1000 {
        if out("watched").exists() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err("task 'watched' never started".to_string())
}

// --- crashes -------------------------------------------------------------------------------

#[redengine::task(start_cond = "env 'crashes' & ~has started", execution = "process")]
fn panics() {
    panic!("boom in the child");
}

#[redengine::task(start_cond = "env 'crashes' & ~has started", execution = "process")]
fn aborts() {
    eprintln!("about to abort");
    std::process::abort();
}

#[redengine::task(start_cond = "env 'crashes' & ~has started", execution = "process")]
fn killed() {
    eprintln!("about to be killed");
    let _ = Command::new("kill")
        .args(["-KILL", &std::process::id().to_string()])
        .status();
    std::thread::sleep(Duration::from_secs(60));
}

#[redengine::task(
    start_cond = "env 'crashes' & after tasks 'panics', 'aborts', 'killed' failed",
    execution = "main"
)]
fn survivor() {}

// --- streams: a request and stderr larger than any buffer, stderr held by a grandchild --

/// More than a socket's and a pipe's buffer.
const BIG: usize = 300_000;

#[redengine::task(
    start_cond = "env 'streams' & ~has started",
    execution = "process",
    params(big = "x".repeat(BIG))
)]
fn chatty(big: String) -> Result<usize, String> {
    // Before anything is returned, far more stderr than the pipe holds.
    for i in 0..4000 {
        eprintln!("line {i} of a chatty child {}", "-".repeat(60));
    }
    leave("chatty", &big.len().to_string());
    Ok(big.len())
}

#[redengine::task(start_cond = "env 'streams' & ~has started", execution = "process")]
fn chatty_dies() {
    for i in 0..4000 {
        eprintln!("dying line {i} {}", "-".repeat(60));
    }
    eprintln!("the last words");
    std::process::exit(3);
}

/// Leaves a grandchild that holds the child's stderr open long after the child ended.
#[redengine::task(start_cond = "env 'streams' & ~has started", execution = "process")]
fn holds_stderr() -> Result<(), String> {
    let sleeper = Command::new("sleep")
        .arg("60")
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    leave("holds_stderr", &sleeper.id().to_string());
    Ok(())
}

// --- a child that replied but does not end --------------------------------------------------

/// Blocks the exit of the process whose main thread holds it: thread-local values are
/// dropped as the process exits, after the child sent its reply.
struct BlocksExit;

impl Drop for BlocksExit {
    fn drop(&mut self) {
        std::thread::sleep(Duration::from_secs(60));
    }
}

thread_local! {
    static AT_EXIT: std::cell::RefCell<Option<BlocksExit>> = const { std::cell::RefCell::new(None) };
}

/// Succeeds, and leaves its child unable to exit for a minute.
#[redengine::task(start_cond = "env 'lingers' & ~has started", execution = "process")]
fn lingers() {
    AT_EXIT.with(|slot| *slot.borrow_mut() = Some(BlocksExit));
    leave("lingers", &std::process::id().to_string());
}

// --- max_process_count ---------------------------------------------------------------------

#[redengine::task(start_cond = "env 'limit' & ~has started", execution = "process")]
fn limited_a() {
    std::thread::sleep(Duration::from_millis(300));
}

#[redengine::task(start_cond = "env 'limit' & ~has started", execution = "process")]
fn limited_b() {
    std::thread::sleep(Duration::from_millis(300));
}

#[redengine::task(start_cond = "env 'limit' & ~has started", execution = "process")]
fn limited_c() {
    std::thread::sleep(Duration::from_millis(300));
}

#[redengine::task(start_cond = "env 'limit' & ~has started", execution = "process")]
fn limited_d() {
    std::thread::sleep(Duration::from_millis(300));
}

// --- signals -------------------------------------------------------------------------------

#[redengine::task(start_cond = "env 'sigterm' & ~has started", execution = "process")]
fn long_job() {
    leave("long_job.started", &std::process::id().to_string());
    std::thread::sleep(Duration::from_millis(1500));
    leave("long_job.done", "done");
}

#[redengine::task(start_cond = "env 'stubborn' & ~has started", execution = "process")]
fn stubborn() -> Result<(), String> {
    let mut sh = Command::new("sh")
        .args(["-c", "sleep 60"])
        .spawn()
        .map_err(|e| e.to_string())?;
    leave(
        "stubborn.started",
        &format!("{} {}", std::process::id(), sh.id()),
    );
    sh.wait().map_err(|e| e.to_string())?;
    Ok(())
}

#[redengine::task(
    start_cond = "env 'stubborn' | env 'sigterm'",
    on_shutdown = true,
    execution = "process"
)]
fn closing() {}

// --- permanent: no timeout, terminated at shutdown -----------------------------------------

#[redengine::task(
    start_cond = "env 'permanent' & ~has started",
    execution = "process",
    permanent = true,
    timeout = 1
)]
fn forever() {
    leave("forever", &std::process::id().to_string());
    std::thread::sleep(Duration::from_secs(60));
}

/// Lets `forever` outlive its (ignored) 1 s timeout, then ends the scenario.
#[redengine::task(
    start_cond = "env 'permanent' & task 'forever' is running & ~has started",
    execution = "main"
)]
fn outlive() -> Result<(), String> {
    for _ in 0..1000 {
        if out("forever").exists() {
            std::thread::sleep(Duration::from_millis(1500));
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err("task 'forever' never started".to_string())
}

// --- restart (replace: exec the same binary, same pid) ------------------------------------

#[redengine::task(start_cond = "env 'restart' & ~has started", execution = "process")]
fn after_restart() {}

/// Startup hook of the `restart` scenario: records the scheduler's pid at each start and
/// requests one restart.
fn restart_once(
    info: &redengine::SchedulerInfo,
) -> Result<Option<redengine::AfterScheduler>, String> {
    use std::io::Write;
    let mut starts = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out("starts"))
        .map_err(|e| e.to_string())?;
    writeln!(starts, "{}", std::process::id()).map_err(|e| e.to_string())?;
    if !out("restarted").exists() {
        leave("restarted", "yes");
        info.handle.restart();
    }
    Ok(None)
}

/// A `main` run blocks the loop: a signal sets its flag (reason `shutdown`).
#[redengine::task(start_cond = "env 'inline_signal' & ~has started", execution = "main")]
fn inline_job(flag: TerminationFlag) -> Outcome {
    let _ = Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status();
    for _ in 0..1000 {
        if flag.is_set() {
            return Outcome::Terminated;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Outcome::Fail("the termination flag was never set".to_string())
}

#[redengine::main]
fn main() -> Session {
    let scenario = std::env::var("RE_SCENARIO").unwrap_or_default();
    let shut = match scenario.as_str() {
        "returns" => "task 'check_doubled' has finished & task 'built_consume' has finished",
        "timeout" => "task 'sleepy' has terminated",
        "end_cond" => "task 'watched' has terminated",
        "crashes" => "task 'survivor' has succeeded",
        "retried" => "task 'dies_once' has succeeded",
        "restart" => "task 'after_restart' has succeeded",
        "permanent" => "task 'outlive' has finished",
        "streams" => {
            "task 'chatty' has finished & task 'chatty_dies' has finished & \
             task 'holds_stderr' has finished"
        }
        "limit" => {
            "task 'limited_a' has finished & task 'limited_b' has finished & \
             task 'limited_c' has finished & task 'limited_d' has finished"
        }
        _ => "false",
    };
    let mut builder = Session::from_registry();
    if scenario == "restart" {
        builder = builder.on_startup(restart_once);
    }
    builder
        // Built at run time: a process task's value crosses back through `run_serde`.
        .task(
            Task::builder("built_produce")
                .start_cond("env 'returns' & ~has started")
                .execution(Execution::Process)
                .run_serde(|_| Ok::<Vec<u32>, String>(vec![std::process::id(), 7])),
        )
        .task(
            Task::builder("built_consume")
                .start_cond("after task 'built_produce' succeeded")
                .execution(Execution::Main)
                .returned_from::<Vec<u32>>("values", "built_produce")
                .run(|ctx| {
                    let values = ctx.returned::<Vec<u32>>("values");
                    leave("built_consume", &format!("{values:?}"));
                }),
        )
        // A child that dies on its first attempt, retried in another child.
        .task(
            Task::builder("dies_once")
                .start_cond("env 'retried' & ~has started")
                .execution(Execution::Process)
                .retries(2)
                .retry_delay("1 second")
                .run(|ctx| {
                    if ctx.attempt() == 1 {
                        std::process::abort();
                    }
                    leave("dies_once", &ctx.attempt().to_string());
                }),
        )
        .log_csv(std::env::var_os("RE_LOG").unwrap_or_else(|| "log/tasks.csv".into()))
        .param("env", scenario.clone())
        .param("greeting", "hello".to_string())
        .max_process_count(2)
        .shut_cond(shut)
        .build()
        .expect("the test session builds")
}
