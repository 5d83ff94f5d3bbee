//! The tail of a command's stdout/stderr: the last few KiB, read on a helper thread so a
//! chatty command never blocks on a full pipe and never grows the scheduler's memory.

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How many trailing bytes of each stream are kept for the fail message.
pub(super) const TAIL_BYTES: usize = 4096;

/// A bounded buffer holding the last [`TAIL_BYTES`] bytes written to it.
#[derive(Debug, Default)]
struct Tail {
    bytes: Vec<u8>,
    /// Bytes dropped from the front: the text shown is not the whole output.
    cut: bool,
}

impl Tail {
    fn push(&mut self, chunk: &[u8]) {
        self.bytes.extend_from_slice(chunk);
        if self.bytes.len() > TAIL_BYTES {
            let excess = self.bytes.len() - TAIL_BYTES;
            self.bytes.drain(..excess);
            self.cut = true;
        }
    }
}

/// One captured stream: a reader thread filling a shared [`Tail`].
pub(super) struct Capture {
    tail: Arc<Mutex<Tail>>,
    reader: Option<JoinHandle<()>>,
}

impl Capture {
    /// Starts reading `stream` (`None`: nothing to capture) until end of file.
    pub(super) fn start(stream: Option<impl Read + Send + 'static>) -> Self {
        let tail = Arc::new(Mutex::new(Tail::default()));
        let reader = stream.and_then(|mut stream| {
            let shared = Arc::clone(&tail);
            std::thread::Builder::new()
                .name("redengine:output".to_string())
                .spawn(move || {
                    let mut buf = [0_u8; 8192];
                    loop {
                        match stream.read(&mut buf) {
                            Ok(0) => break,
                            Ok(n) => lock(&shared).push(&buf[..n]),
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                            Err(_) => break,
                        }
                    }
                })
                .ok()
        });
        Capture { tail, reader }
    }

    /// Waits until the stream ends or `until` passes (a grandchild may keep the pipe
    /// open after the command exited), then returns the tail as text: lossy UTF-8,
    /// trimmed, prefixed with `…` when earlier output was dropped.
    pub(super) fn finish(mut self, until: Instant) -> String {
        if let Some(reader) = self.reader.take() {
            while !reader.is_finished() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(2));
            }
            if reader.is_finished() {
                // The thread only reads; it cannot have panicked in a way we could report.
                let _ = reader.join();
            }
        }
        let tail = lock(&self.tail);
        let text = String::from_utf8_lossy(&tail.bytes);
        let text = text.trim_end();
        if tail.cut {
            format!("…{}", text.trim_start_matches('\u{fffd}'))
        } else {
            text.to_string()
        }
    }
}

fn lock(tail: &Mutex<Tail>) -> std::sync::MutexGuard<'_, Tail> {
    match tail.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_tail() {
        let mut tail = Tail::default();
        tail.push(&[b'a'; TAIL_BYTES]);
        assert!(!tail.cut);
        tail.push(b"end");
        assert!(tail.cut);
        assert_eq!(tail.bytes.len(), TAIL_BYTES);
        assert!(tail.bytes.ends_with(b"aaend"));
    }

    #[test]
    fn capture_reads_to_the_end() {
        let capture = Capture::start(Some(std::io::Cursor::new(b"hello\n".to_vec())));
        let text = capture.finish(Instant::now() + Duration::from_secs(5));
        assert_eq!(text, "hello");
        let none = Capture::start(None::<std::io::Empty>);
        assert_eq!(none.finish(Instant::now()), "");
    }
}
