//! The `tracing` feature: every task record is a `tracing` event and every run a span,
//! so `tracing-subscriber`'s default formatter names the task on each line — the
//! records' and the body's own. Its own binary: it installs the global subscriber.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use redengine::{Execution, MemoryLog, Session, Task, Zone};

/// A writer into a shared buffer, for the formatter.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn records_are_events_and_runs_are_spans_with_the_task_name() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .init();
    let log = MemoryLog::new();
    Session::builder()
        .zone(Zone::Utc)
        .log_store(log)
        .handle_signals(false)
        .shut_cond(
            "task 'on_thread' has finished & task 'on_tokio' has finished \
             & task 'retried' has succeeded",
        )
        .task(
            Task::builder("on_thread")
                .start_cond("~has started")
                .execution(Execution::Thread)
                .run(|_| tracing::info!("working on a thread")),
        )
        .task(
            Task::builder("on_tokio")
                .start_cond("~has started")
                .run_async(|_| async {
                    tokio::task::yield_now().await;
                    tracing::warn!("working on tokio");
                    Err::<(), _>("it broke")
                }),
        )
        .task({
            // Fails its first attempt: the retry's span says attempt 2.
            let failed_once = AtomicBool::new(false);
            Task::builder("retried")
                .start_cond("~has started")
                .execution(Execution::Thread)
                .retries(1)
                .retry_delay("0.01")
                .run(move |_| {
                    if failed_once.swap(true, Ordering::SeqCst) {
                        tracing::info!("second try");
                        Ok(())
                    } else {
                        Err("first try fails")
                    }
                })
        })
        .build()
        .unwrap()
        .run()
        .unwrap();
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = |needle: &str| -> &str {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
    };
    // The bodies' own lines carry their run's span.
    let body = line("working on a thread");
    assert!(
        body.contains("run{task_name=\"on_thread\" run=")
            && body.contains(" attempt=1 execution=\"thread\""),
        "{body}"
    );
    let body = line("working on tokio");
    assert!(body.contains("run{task_name=\"on_tokio\" run="), "{body}");
    assert!(body.contains("execution=\"async\""), "{body}");
    let retry = line("second try");
    assert!(
        retry.contains("run{task_name=\"retried\" run=") && retry.contains(" attempt=2 "),
        "{retry}"
    );
    // Each record is an event with the task's name and the action.
    let run = line("Task 'on_thread' status: 'run'");
    assert!(
        run.contains("task_name=\"on_thread\" action=\"run\""),
        "{run}"
    );
    let fail = line("Task 'on_tokio' status: 'fail'");
    assert!(
        fail.contains("ERROR")
            && fail.contains("action=\"fail\"")
            && fail.contains("exc_text=\"it broke\""),
        "{fail}"
    );
}
