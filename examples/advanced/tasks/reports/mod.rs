//! A task of the custom kind in `models/tasks.rs` (the Advanced Guide's "custom task classes").
//!
//! It is built with the same [`Task::builder`] as every task — conditions, execution,
//! parameters, hooks and the log work the same — but given a [`WriteFile`] kind instead of
//! a function. `#[task]` only registers functions, so `main.rs` adds this one with
//! `.task(reports::write_report(…))`.

use std::path::Path;

use redengine::Task;

use crate::models::tasks::WriteFile;

/// Writes `<output_dir>/report.txt` for the receiver: daily after 18:00, plus the demo
/// cadence `every 15 seconds & env 'demo'` (a demo addition; the guide has no such task).
pub(crate) fn write_report(output_dir: &Path) -> Task {
    Task::builder("write_report")
        .start_cond("daily after 18:00 | (every 15 seconds & env 'demo')")
        .param("receiver", "boss@example.com".to_string())
        .kind(WriteFile::new(
            output_dir.join("report.txt"),
            "report from {task} for {receiver}\n",
        ))
}
