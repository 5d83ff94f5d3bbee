//! A child's stderr: every line goes to the parent's log facade (target
//! `redengine::task`), and the last lines (4 KiB) are kept for
//! the `fail` record of a child that dies without reporting.

use std::io::Read;

use log::Level;

use crate::procctl::Reader;

/// The level and text of a line the child's logger wrote (`"WARN target: text"`); other
/// lines (prints, panic messages) are INFO.
fn level_of(line: &str) -> (Level, &str) {
    for level in [
        Level::Error,
        Level::Warn,
        Level::Info,
        Level::Debug,
        Level::Trace,
    ] {
        if let Some(rest) = line
            .strip_prefix(level.as_str())
            .and_then(|r| r.strip_prefix(' '))
        {
            return (level, rest);
        }
    }
    (Level::Info, line)
}

/// Reads `stderr` to its end on a new thread, forwarding each line. The reader's tail
/// (whole lines) is complete only at end of file, which
/// comes when every holder (grandchildren too) closed the pipe: the waiter does not wait
/// for it for long.
pub(crate) fn forward(stderr: impl Read + Send + 'static, task: String) -> std::io::Result<Reader> {
    let name = format!("stderr:{task}");
    Reader::lines(stderr, &name, move |line| {
        let (level, rest) = level_of(line);
        ::log::log!(
            target: crate::log::TASK_TARGET, level, task_name = task.as_str();
            "task '{task}': {rest}"
        );
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logger_lines_keep_their_level() {
        assert_eq!(
            level_of("WARN app: disk low"),
            (Level::Warn, "app: disk low")
        );
        assert_eq!(
            level_of("thread 'main' panicked"),
            (Level::Info, "thread 'main' panicked")
        );
    }
}
