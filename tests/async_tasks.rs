//! `execution = "async"`: futures on a tokio runtime, terminated for real, with the
//! parameters, return values, hooks and log records of every other execution.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redengine::{Action, Execution, MemoryLog, Session, SessionBuilder, Task, Zone};

use common::{count, of};

/// A builder on the real clock (the runtime's timers run in real time), zone UTC, with an
/// in-memory log, and no signal handlers (tests run in parallel in one process).
fn real_time() -> (SessionBuilder, MemoryLog) {
    let log = MemoryLog::new();
    let builder = Session::builder()
        .zone(Zone::Utc)
        .log_store(log.clone())
        .handle_signals(false);
    (builder, log)
}

/// Sets its flag when dropped: proof that a cancelled future was dropped.
struct DropGuard(Arc<AtomicBool>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_timeout_drops_the_future_and_logs_terminate_within_1_1_s() {
    let (b, log) = real_time();
    let dropped = Arc::new(AtomicBool::new(false));
    let d = dropped.clone();
    let began = Instant::now();
    b.shut_cond("task 'slow' has terminated")
        .task(
            Task::builder("slow")
                .start_cond("~has started")
                .timeout("1 second")
                .run_async(move |_| {
                    let guard = DropGuard(d.clone());
                    async move {
                        let _guard = guard;
                        tokio::time::sleep(Duration::from_secs(60)).await;
                    }
                }),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    let elapsed = began.elapsed();
    let terminated = of(&log, "slow", Action::Terminate);
    assert_eq!(terminated.len(), 1, "{:?}", log.records());
    assert_eq!(terminated[0].message, "timeout");
    let runtime = terminated[0].end.unwrap() - terminated[0].start.unwrap();
    assert!(
        runtime <= chrono::TimeDelta::milliseconds(1_100),
        "terminated after {runtime}"
    );
    assert!(
        elapsed < Duration::from_secs(30),
        "the 60 s await ran: {elapsed:?}"
    );
    assert!(
        dropped.load(Ordering::SeqCst),
        "the future's drop guard did not run"
    );
}

#[test]
fn manual_termination_drops_the_future() {
    let (b, log) = real_time();
    let dropped = Arc::new(AtomicBool::new(false));
    let d = dropped.clone();
    let session = b
        .shut_cond("task 'waiter' has terminated")
        .task(
            Task::builder("waiter")
                .start_cond("~has started")
                .run_async(move |_| {
                    let guard = DropGuard(d.clone());
                    async move {
                        let _guard = guard;
                        std::future::pending::<()>().await;
                    }
                }),
        )
        .task(
            // Terminates the waiter once it runs: the manual reason, from a task.
            Task::builder("stopper")
                .start_cond("task 'waiter' has started & ~has started")
                .execution(Execution::Main)
                .arg::<redengine::SessionHandle>("session")
                .run(|ctx| {
                    let handle: redengine::SessionHandle = ctx.param("session").unwrap();
                    handle.force_termination("waiter");
                }),
        )
        .build()
        .unwrap();
    let mut session = session;
    session.run().unwrap();
    let terminated = of(&log, "waiter", Action::Terminate);
    assert_eq!(terminated.len(), 1, "{:?}", log.records());
    assert_eq!(terminated[0].message, "manual");
    assert!(dropped.load(Ordering::SeqCst));
}

#[test]
fn the_termination_flag_is_available_to_the_future() {
    let (b, log) = real_time();
    let saw_flag = Arc::new(AtomicBool::new(false));
    let s = saw_flag.clone();
    b.shut_cond("task 'polite' has finished")
        .task(
            Task::builder("polite")
                .start_cond("~has started")
                .run_async(move |ctx| {
                    let flag = ctx.termination().clone();
                    let s = s.clone();
                    async move { s.store(!flag.is_set(), Ordering::SeqCst) }
                }),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert!(saw_flag.load(Ordering::SeqCst));
    assert_eq!(count(&log, "polite", Action::Success), 1);
}

#[test]
fn outcomes_parameters_returns_and_hooks_are_those_of_sync_tasks() {
    let (b, log) = real_time();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let hooked = Arc::new(AtomicUsize::new(0));
    let (s, h) = (seen.clone(), hooked.clone());
    b.shut_cond(
        "task 'report' has succeeded & task 'boom' has failed & task 'err' has failed \
         & task 'idle' has inacted",
    )
    .param("greeting", "hello".to_string())
    .on_task_execute(move |_info| {
        h.fetch_add(1, Ordering::SeqCst);
        Ok::<_, String>(None)
    })
    .task(
        Task::builder("get_data")
            .start_cond("~has started")
            .run_async(|_| async { Ok::<u32, String>(42) }),
    )
    .task(
        Task::builder("report")
            .start_cond("task 'get_data' has succeeded & ~has started")
            .arg::<String>("greeting")
            .returned_from::<u32>("data", "get_data")
            .run_async(move |ctx| {
                let greeting: String = ctx.param("greeting").unwrap();
                let data: Option<u32> = ctx.returned("data").unwrap();
                let s = s.clone();
                async move {
                    tokio::task::yield_now().await;
                    s.lock().unwrap().push((greeting, data));
                }
            }),
    )
    .task(
        Task::builder("boom")
            .start_cond("~has started")
            .run_async(|_| async {
                tokio::task::yield_now().await;
                if true {
                    panic!("the future panicked");
                }
            }),
    )
    .task(
        Task::builder("err")
            .start_cond("~has started")
            .run_async(|_| async { Err::<(), _>("disk full") }),
    )
    .task(
        Task::builder("idle")
            .start_cond("~has started")
            .run_async(|_| async { redengine::Inaction }),
    )
    .build()
    .unwrap()
    .run()
    .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [("hello".to_string(), Some(42))],
        "{:?}",
        log.records()
    );
    assert!(of(&log, "boom", Action::Fail)[0]
        .exc_text
        .contains("the future panicked"));
    assert_eq!(of(&log, "err", Action::Fail)[0].exc_text, "disk full");
    assert!(hooked.load(Ordering::SeqCst) >= 5);
}

#[test]
fn sync_and_async_bodies_refuse_each_others_executions_at_ignite() {
    let (b, _log) = real_time();
    let error = b
        .shut_cond("true")
        .task(
            Task::builder("async_on_thread")
                .execution(Execution::Thread)
                .run_async(|_| async {}),
        )
        .task(
            Task::builder("sync_on_async")
                .execution(Execution::Async)
                .run(|_| ()),
        )
        .build()
        .unwrap()
        .run()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("task 'async_on_thread' is a `async function` task")
            && error.contains("cannot run with execution `thread`")
            && error.contains("`async`, `process`"),
        "{error}"
    );
    assert!(
        error.contains("task 'sync_on_async' is a `function` task")
            && error.contains("cannot run with execution `async`"),
        "{error}"
    );
}

#[test]
fn async_tasks_run_on_the_runtime_they_are_given() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("given-runtime")
        .enable_all()
        .build()
        .unwrap();
    let (b, log) = real_time();
    let thread_name = Arc::new(Mutex::new(String::new()));
    let t = thread_name.clone();
    b.tokio_handle(runtime.handle().clone())
        .shut_cond("task 'where' has finished")
        .task(
            Task::builder("where")
                .start_cond("~has started")
                .run_async(move |_| {
                    let t = t.clone();
                    async move {
                        *t.lock().unwrap() =
                            std::thread::current().name().unwrap_or("").to_string();
                    }
                }),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(count(&log, "where", Action::Success), 1);
    assert_eq!(*thread_name.lock().unwrap(), "given-runtime");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_until_stops_when_the_program_says_and_shutdown_drops_running_futures() {
    let (b, log) = real_time();
    let dropped = Arc::new(AtomicBool::new(false));
    let d = dropped.clone();
    let (started, has_started) = tokio::sync::oneshot::channel::<()>();
    let started = Mutex::new(Some(started));
    let session = b
        .instant_shutdown(true)
        .task(
            Task::builder("forever")
                .start_cond("~has started")
                .run_async(move |_| {
                    let guard = DropGuard(d.clone());
                    let started = started.lock().unwrap().take();
                    async move {
                        let _guard = guard;
                        if let Some(started) = started {
                            let _ = started.send(());
                        }
                        std::future::pending::<()>().await;
                    }
                }),
        )
        .build()
        .unwrap();
    // The program's own shutdown signal: here, "the task has started".
    session
        .run_until(async move {
            let _ = has_started.await;
        })
        .await
        .unwrap();
    let terminated = of(&log, "forever", Action::Terminate);
    assert_eq!(terminated.len(), 1, "{:?}", log.records());
    assert_eq!(terminated[0].message, "shutdown");
    assert!(dropped.load(Ordering::SeqCst));
}

#[tokio::test(flavor = "current_thread")]
async fn run_async_runs_async_tasks_on_the_callers_runtime() {
    let (b, log) = real_time();
    let on_caller = Arc::new(AtomicBool::new(false));
    let o = on_caller.clone();
    let caller = std::thread::current().id();
    let session = b
        .shut_cond("task 'here' has finished")
        .task(
            Task::builder("here")
                .start_cond("~has started")
                .run_async(move |_| {
                    let o = o.clone();
                    async move { o.store(std::thread::current().id() == caller, Ordering::SeqCst) }
                }),
        )
        .build()
        .unwrap();
    session.run_async().await.unwrap();
    assert_eq!(count(&log, "here", Action::Success), 1);
    assert!(on_caller.load(Ordering::SeqCst), "ran on another runtime");
}

#[test]
fn end_cond_drops_the_future_with_its_reason() {
    let (b, log) = real_time();
    let dropped = Arc::new(AtomicBool::new(false));
    let d = dropped.clone();
    b.shut_cond("task 'waiter' has terminated")
        .task(
            Task::builder("waiter")
                .start_cond("~has started")
                .end_cond("task 'trigger' has succeeded")
                .run_async(move |_| {
                    let guard = DropGuard(d.clone());
                    async move {
                        let _guard = guard;
                        std::future::pending::<()>().await;
                    }
                }),
        )
        .task(
            Task::builder("trigger")
                .start_cond("task 'waiter' has started & ~has started")
                .run_async(|_| async {}),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    let terminated = of(&log, "waiter", Action::Terminate);
    assert_eq!(terminated.len(), 1, "{:?}", log.records());
    assert_eq!(terminated[0].message, "end_cond");
    assert!(dropped.load(Ordering::SeqCst));
}

#[test]
fn without_a_runtime_the_session_makes_its_own() {
    let (b, log) = real_time();
    let thread_name = Arc::new(Mutex::new(String::new()));
    let t = thread_name.clone();
    b.tokio_workers(1)
        .shut_cond("task 'where' has finished")
        .task(
            Task::builder("where")
                .start_cond("~has started")
                .run_async(move |_| {
                    let t = t.clone();
                    async move {
                        *t.lock().unwrap() =
                            std::thread::current().name().unwrap_or("").to_string();
                    }
                }),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(count(&log, "where", Action::Success), 1);
    assert_eq!(*thread_name.lock().unwrap(), "redengine:async");
}
