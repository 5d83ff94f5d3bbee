//! The tail of a child's output: the last few KiB, read on a helper thread so a chatty
//! child never blocks on a full pipe and never grows the scheduler's memory.
//!
//! One byte buffer serves two renderings: [`Tail::text`] (the command kind: the raw last
//! bytes, marked `…` when output was dropped) and [`Tail::lines`] (the process executor,
//! which feeds it whole lines itself).

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crossbeam_channel::Receiver;

/// How many trailing bytes of a stream are kept.
pub(crate) const TAIL_BYTES: usize = 4096;

/// The last [`TAIL_BYTES`] bytes written to it.
#[derive(Debug, Default)]
pub(crate) struct Tail {
    bytes: VecDeque<u8>,
    /// The last byte dropped from the front: `None` while nothing was dropped.
    dropped: Option<u8>,
}

impl Tail {
    /// Appends `chunk`, dropping the oldest bytes beyond [`TAIL_BYTES`].
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        let chunk = if chunk.len() > TAIL_BYTES {
            self.bytes.clear();
            let (gone, kept) = chunk.split_at(chunk.len() - TAIL_BYTES);
            self.dropped = gone.last().copied();
            kept
        } else {
            chunk
        };
        let excess = (self.bytes.len() + chunk.len()).saturating_sub(TAIL_BYTES);
        for _ in 0..excess {
            self.dropped = self.bytes.pop_front();
        }
        self.bytes.extend(chunk);
    }

    /// Whether earlier output was dropped.
    pub(crate) fn cut(&self) -> bool {
        self.dropped.is_some()
    }

    /// The kept bytes as text: lossy UTF-8, trailing white space trimmed, prefixed with
    /// `…` when earlier output was dropped (a character cut in half is left out).
    pub(crate) fn text(&self) -> String {
        let bytes: Vec<u8> = self.bytes.iter().copied().collect();
        let text = String::from_utf8_lossy(&bytes);
        let text = text.trim_end();
        if self.cut() {
            format!("…{}", text.trim_start_matches('\u{fffd}'))
        } else {
            text.to_string()
        }
    }

    /// The kept complete lines, joined with `\n` (the stream is UTF-8 lines each ended by
    /// `\n`, as the process executor writes it). When not even the last line fits, its last
    /// [`TAIL_BYTES`] bytes, starting at a character boundary.
    pub(crate) fn lines(&self) -> String {
        let bytes: Vec<u8> = self.bytes.iter().copied().collect();
        let body = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        let start = match self.dropped {
            None | Some(b'\n') => Some(0),
            // A line cut in half: the kept lines start after its end.
            Some(_) => body.iter().position(|b| *b == b'\n').map(|i| i + 1),
        };
        let text: Vec<u8> = match start {
            Some(start) => body[start..].to_vec(),
            // One line longer than the tail: its end, with the byte the newline displaced,
            // from the first character boundary (UTF-8 continuation bytes are 0b10xxxxxx).
            None => self
                .dropped
                .into_iter()
                .chain(body.iter().copied())
                .skip_while(|b| b & 0xC0 == 0x80)
                .collect(),
        };
        String::from_utf8_lossy(&text).into_owned()
    }
}

/// A stream read to its end on a helper thread into a shared [`Tail`].
pub(crate) struct Reader {
    tail: Arc<Mutex<Tail>>,
    /// Gets `()` (or disconnects) when the stream ended.
    eof: Receiver<()>,
}

impl Reader {
    /// Reads `stream` in chunks as they come.
    pub(crate) fn bytes(stream: impl Read + Send + 'static, name: &str) -> std::io::Result<Self> {
        Self::start(name, move |tail| {
            let mut stream = stream;
            let mut buf = [0_u8; 8192];
            loop {
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => lock(tail).push(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        })
    }

    fn start(
        name: &str,
        read: impl FnOnce(&Mutex<Tail>) + Send + 'static,
    ) -> std::io::Result<Self> {
        let tail = Arc::new(Mutex::new(Tail::default()));
        let (tx, eof) = crossbeam_channel::bounded(1);
        let shared = Arc::clone(&tail);
        // A pooled thread: it is idle again before it says the stream ended, so the next
        // errand of any run takes it instead of a new thread.
        super::pool::run(
            super::pool::Name::tagged("out", name),
            Box::new(move || {
                read(&shared);
                Some(Box::new(move || {
                    let _ = tx.send(());
                }) as super::pool::Report)
            }),
        )?;
        Ok(Reader { tail, eof })
    }

    /// Waits until the stream ended or `until` passed (a grandchild may hold the pipe
    /// open after the child exited), then gives the tail.
    pub(crate) fn finish(&self, until: Instant) -> MutexGuard<'_, Tail> {
        let _ = self.eof.recv_deadline(until);
        lock(&self.tail)
    }
}

fn lock(tail: &Mutex<Tail>) -> MutexGuard<'_, Tail> {
    match tail.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The line tail as it was computed before it shared this buffer: whole lines dropped
    /// from the front while more than `TAIL_BYTES` (each line counted with its newline).
    fn reference_lines(lines: &[String]) -> String {
        let mut kept: VecDeque<String> = VecDeque::new();
        let mut bytes = 0;
        for line in lines {
            bytes += line.len() + 1;
            kept.push_back(line.clone());
            while bytes > TAIL_BYTES && kept.len() > 1 {
                if let Some(old) = kept.pop_front() {
                    bytes -= old.len() + 1;
                }
            }
        }
        let joined = Vec::from(kept).join("\n");
        if joined.len() <= TAIL_BYTES {
            return joined;
        }
        let mut cut = joined.len() - TAIL_BYTES;
        while !joined.is_char_boundary(cut) {
            cut += 1;
        }
        joined[cut..].to_string()
    }

    fn line_tail(lines: &[String]) -> String {
        let mut tail = Tail::default();
        for line in lines {
            tail.push(line.as_bytes());
            tail.push(b"\n");
        }
        tail.lines()
    }

    #[test]
    fn line_tails_keep_whole_lines_as_before() {
        // Lengths around every boundary: lines that fit exactly, one byte over, a single
        // line longer than the tail, multi-byte characters cut at the front.
        let mut seed = 7_u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for case in 0..400 {
            let count = 1 + next(6) as usize;
            let lines: Vec<String> = (0..count)
                .map(|i| {
                    let len = match next(5) {
                        0 => next(20) as usize,
                        1 => TAIL_BYTES - 2 + next(4) as usize,
                        2 => TAIL_BYTES / 2 + next(3) as usize - 1,
                        3 => next(3 * TAIL_BYTES as u64) as usize,
                        _ => next(1000) as usize,
                    };
                    let unit = if (case + i) % 3 == 0 { "é" } else { "a" };
                    unit.repeat(len / unit.len())
                })
                .collect();
            assert_eq!(line_tail(&lines), reference_lines(&lines), "case {case}");
        }
        let many: Vec<String> = (0..1000).map(|i| format!("line {i}")).collect();
        let text = line_tail(&many);
        assert!(text.len() <= TAIL_BYTES && text.ends_with("line 999"));
        assert_eq!(line_tail(&[]), "");
    }

    #[test]
    fn byte_tails_keep_the_last_bytes() {
        let mut tail = Tail::default();
        tail.push(&[b'a'; TAIL_BYTES]);
        assert!(!tail.cut());
        tail.push(b"end\n");
        assert!(tail.cut());
        assert_eq!(tail.bytes.len(), TAIL_BYTES);
        let text = tail.text();
        assert!(
            text.starts_with("…aaa") && text.ends_with("aaend"),
            "{text}"
        );
        let mut big = Tail::default();
        big.push(&[b'x'; 3 * TAIL_BYTES]);
        assert_eq!(big.text().len(), "…".len() + TAIL_BYTES);
    }

    #[test]
    fn readers_read_to_the_end() {
        let until = || Instant::now() + Duration::from_secs(30);
        let reader = Reader::bytes(std::io::Cursor::new(b"hello\n".to_vec()), "t").unwrap();
        assert_eq!(reader.finish(until()).text(), "hello");
    }
}
