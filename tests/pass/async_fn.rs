//! `async fn` tasks: every form compiles, and one runs through the registry.

use redengine::{Action, MemoryLog, Session, TerminationFlag};

#[redengine::task(start_cond = "daily", timeout = "1 second")]
async fn fetch(greeting: String, flag: TerminationFlag) -> Result<usize, String> {
    tokio::task::yield_now().await;
    if flag.is_set() {
        return Err("terminated".into());
    }
    Ok(greeting.len())
}

#[redengine::task(start_cond = "after task 'fetch' succeeded", params(size = Return("fetch")))]
async fn report(size: Option<usize>) {
    assert_eq!(size, Some(5));
}

#[redengine::task(start_cond = "daily", execution = "process")]
async fn in_a_child(count: u32) -> Vec<u32> {
    (0..count).collect()
}

#[redengine::task(start_cond = "daily", execution = "async", name = "named_async")]
async fn with_a_name() -> redengine::Inaction {
    redengine::Inaction
}

fn main() {
    let log = MemoryLog::new();
    let mut session = Session::from_registry()
        .log_store(log.clone())
        .handle_signals(false)
        .param("greeting", "hello".to_string())
        .param("count", 3_u32)
        .build()
        .expect("a valid session");
    session
        .run_tasks(["fetch"], false)
        .expect("the run");
    session
        .run_tasks(["report"], false)
        .expect("the run");
    let ok: Vec<_> = log
        .records()
        .into_iter()
        .filter(|r| r.action == Action::Success)
        .map(|r| r.task_name)
        .collect();
    assert_eq!(ok, ["fetch", "report"], "{:?}", log.records());
}
