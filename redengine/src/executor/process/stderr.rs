//! A child's stderr: every line goes to the parent's log facade (target
//! `redengine::task`), and the last lines (4 KiB) are kept for
//! the `fail` record of a child that dies without reporting.
//!
//! perfspeed: the run's waiter reads it (polling it with the child's socket), instead of
//! a second helper thread per run that the waiter then waited for.

use std::fs::File;
use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Instant;

use log::Level;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use crate::procctl::Tail;

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

/// A child's standard error as its waiter reads it: whenever the pipe is readable (the
/// waiter polls it beside the child's socket), one read; each complete line goes to the
/// log facade and into the tail.
pub(crate) struct Stderr {
    /// The read end, until end of file.
    pipe: Option<File>,
    task: String,
    /// The start of a line whose end has not come yet.
    partial: Vec<u8>,
    tail: Tail,
}

impl Stderr {
    pub(crate) fn new(pipe: File, task: &str) -> Stderr {
        Stderr {
            pipe: Some(pipe),
            task: task.to_string(),
            partial: Vec::new(),
            tail: Tail::default(),
        }
    }

    /// The pipe to poll, while it is open.
    pub(crate) fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.pipe.as_ref().map(AsFd::as_fd)
    }

    /// Reads what the pipe holds (call when a poll said it is readable or hung up: the
    /// read does not wait then); end of file (or an error) closes it.
    pub(crate) fn read_once(&mut self) {
        let Some(pipe) = &mut self.pipe else {
            return;
        };
        // perfspeed: the waiter thread's buffer, zeroed once per thread instead of 8 KiB of
        // stack zeroed at every read (most runs read only the end of file).
        thread_local! {
            static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 8192]);
        }
        let read = BUF.with_borrow_mut(|buf| match pipe.read(buf) {
            Ok(0) => Some(None),
            Ok(n) => Some(Some(buf[..n].to_vec())),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => None,
            Err(_) => Some(None),
        });
        match read {
            Some(Some(chunk)) => self.push(&chunk),
            Some(None) => self.close(),
            None => {}
        }
    }

    /// Reads what the pipe holds now, without waiting for more: at most a pipe's buffer
    /// (a grandchild that never stops writing does not hold the caller up).
    pub(crate) fn drain(&mut self) {
        for _ in 0..16 {
            let Some(fd) = self.fd() else {
                break;
            };
            let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::ZERO) {
                Ok(0) => break,
                Ok(_) => self.read_once(),
                Err(nix::errno::Errno::EINTR) => {}
                Err(_) => break,
            }
        }
    }

    /// Reads until end of file or `until` (a grandchild may hold the pipe open after the
    /// child ended).
    pub(crate) fn linger(&mut self, until: Instant) {
        while let Some(fd) = self.fd() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let timeout = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
            let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
            match poll(&mut fds, timeout) {
                Ok(0) => break,
                Ok(_) => self.read_once(),
                Err(nix::errno::Errno::EINTR) => {}
                Err(_) => break,
            }
        }
    }

    /// The kept last lines.
    pub(crate) fn lines(&self) -> String {
        self.tail.lines()
    }

    /// Splits `chunk` into lines: each complete one is forwarded.
    fn push(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|b| *b == b'\n') {
            let (line, after) = rest.split_at(end + 1);
            if self.partial.is_empty() {
                self.line(line);
            } else {
                let mut whole = std::mem::take(&mut self.partial);
                whole.extend_from_slice(line);
                self.line(&whole);
            }
            rest = after;
        }
        self.partial.extend_from_slice(rest);
    }

    /// End of file: a last line without a line end is a line too.
    fn close(&mut self) {
        self.pipe = None;
        if !self.partial.is_empty() {
            let last = std::mem::take(&mut self.partial);
            self.line(&last);
        }
    }

    /// One line (lossy UTF-8, its line end removed): to the log facade, then the tail.
    fn line(&mut self, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let line = text.trim_end_matches(['\n', '\r']);
        let (level, rest) = level_of(line);
        let task = self.task.as_str();
        ::log::log!(
            target: crate::log::TASK_TARGET, level, task_name = task;
            "task '{task}': {rest}"
        );
        self.tail.push(line.as_bytes());
        self.tail.push(b"\n");
    }
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

    #[test]
    fn lines_are_split_across_reads_and_the_last_one_needs_no_line_end() {
        let (read, mut write) = std::io::pipe().unwrap();
        let mut stderr = Stderr::new(File::from(std::os::fd::OwnedFd::from(read)), "t");
        for chunk in [&b"WARN a: one\r\ntw"[..], b"o\n\nthr", b"ee"] {
            std::io::Write::write_all(&mut write, chunk).unwrap();
            stderr.read_once();
        }
        drop(write);
        stderr.read_once();
        assert!(stderr.fd().is_none(), "end of file closes it");
        assert_eq!(stderr.lines(), "WARN a: one\ntwo\n\nthree");
    }
}
