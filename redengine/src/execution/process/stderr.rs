//! A child's stderr: every line goes to the parent's log facade (target
//! `redengine::task`), and the last [`TAIL_BYTES`] are kept for the `fail` record of a
//! child that dies without reporting.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex};

use crossbeam_channel::Receiver;
use log::Level;

/// How much of a child's stderr is kept for `exc_text`.
pub(crate) const TAIL_BYTES: usize = 4096;

/// The last lines a child wrote to stderr.
#[derive(Default)]
pub(crate) struct Tail {
    lines: VecDeque<String>,
    bytes: usize,
}

impl Tail {
    fn push(&mut self, line: String) {
        self.bytes += line.len() + 1;
        self.lines.push_back(line);
        while self.bytes > TAIL_BYTES && self.lines.len() > 1 {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= old.len() + 1;
            }
        }
    }

    /// The kept lines, joined; a single over-long line keeps its end.
    pub(crate) fn text(&self) -> String {
        let joined = Vec::from(self.lines.clone()).join("\n");
        if joined.len() <= TAIL_BYTES {
            return joined;
        }
        let mut cut = joined.len() - TAIL_BYTES;
        while !joined.is_char_boundary(cut) {
            cut += 1;
        }
        joined[cut..].to_string()
    }
}

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

/// Reads `stderr` to its end on a new thread. The receiver gets `()` at end of file, which
/// comes only when every holder (grandchildren too) closed it: the waiter does not wait
/// for it for long.
pub(crate) fn forward(
    stderr: impl Read + Send + 'static,
    task: String,
) -> std::io::Result<(Arc<Mutex<Tail>>, Receiver<()>)> {
    let tail = Arc::new(Mutex::new(Tail::default()));
    let (tx, rx) = crossbeam_channel::bounded(1);
    let kept = Arc::clone(&tail);
    std::thread::Builder::new()
        .name(format!("redengine:stderr:{task}"))
        .spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let text = String::from_utf8_lossy(&buf);
                let line = text.trim_end_matches(['\n', '\r']);
                let (level, rest) = level_of(line);
                ::log::log!(
                    target: crate::log::TASK_TARGET, level, task_name = task.as_str();
                    "task '{task}': {rest}"
                );
                match kept.lock() {
                    Ok(mut tail) => tail.push(line.to_string()),
                    Err(poisoned) => poisoned.into_inner().push(line.to_string()),
                }
            }
            let _ = tx.send(());
        })?;
    Ok((tail, rx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_four_kib() {
        let mut tail = Tail::default();
        for i in 0..1000 {
            tail.push(format!("line {i}"));
        }
        let text = tail.text();
        assert!(text.len() <= TAIL_BYTES);
        assert!(text.ends_with("line 999"));
        let mut long = Tail::default();
        long.push("é".repeat(5000));
        assert!(long.text().len() <= TAIL_BYTES);
    }

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
