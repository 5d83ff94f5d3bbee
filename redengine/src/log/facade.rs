//! Every task record on the `log` facade, for console output.

use log::Level;

use super::{Action, TaskRecord};

/// The target of task records on the logging facade.
pub const TASK_TARGET: &str = "redengine::task";

/// Emits `record` through the `log` facade: target `redengine::task`, level INFO (ERROR for
/// `fail`), the record's message as text (a `fail`'s `exc_text` on the lines after it), and
/// the key-values `task_name` and `action`, so structured loggers can filter on them.
///
/// The scheduler calls this for every record it writes. Nothing is printed unless the
/// program installs a logger (`env_logger`, `simple_logger`, …); conditions never read it.
pub(crate) fn emit(record: &TaskRecord) {
    let level = if record.action == Action::Fail {
        Level::Error
    } else {
        Level::Info
    };
    if !log::log_enabled!(target: TASK_TARGET, level) {
        return;
    }
    let task_name = record.task_name.as_str();
    let action = record.action.as_str();
    // A `terminate` record's message is the reason alone: name the task on the console.
    let message = if record.action == Action::Terminate {
        format!(
            "Task '{task_name}' status: 'terminate' ({})",
            record.message
        )
    } else {
        record.message.clone()
    };
    if record.exc_text.is_empty() {
        log::log!(target: TASK_TARGET, level, task_name, action; "{message}");
    } else {
        log::log!(
            target: TASK_TARGET, level, task_name, action;
            "{message}\n{}", record.exc_text
        );
    }
}
