//! The command kind's captured output: one tail per stream, rendered as raw text.

use std::io::Read;
use std::time::Instant;

use crate::procctl::Reader;

pub(super) use crate::procctl::TAIL_BYTES;

/// One captured stream (`None`: nothing to capture, or no thread to read it).
pub(super) struct Capture(Option<Reader>);

impl Capture {
    /// Starts reading `stream` until end of file.
    pub(super) fn start(stream: Option<impl Read + Send + 'static>) -> Self {
        Capture(stream.and_then(|s| Reader::bytes(s, "output").ok()))
    }

    /// Waits until the stream ends or `until` passes (a grandchild may keep the pipe
    /// open after the command exited), then returns the tail as text: lossy UTF-8,
    /// trimmed, prefixed with `…` when earlier output was dropped.
    pub(super) fn finish(self, until: Instant) -> String {
        let Some(reader) = self.0 else {
            return String::new();
        };
        let text = reader.finish(until).text();
        text
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn capture_reads_to_the_end() {
        let capture = Capture::start(Some(std::io::Cursor::new(b"hello\n".to_vec())));
        let text = capture.finish(Instant::now() + Duration::from_secs(5));
        assert_eq!(text, "hello");
        let none = Capture::start(None::<std::io::Empty>);
        assert_eq!(none.finish(Instant::now()), "");
    }
}
