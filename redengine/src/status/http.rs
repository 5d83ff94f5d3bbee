//! The status server's HTTP/1.1, on `std::net`: reading one request with every part
//! bounded (head size, body size, one deadline for the whole request) and writing one
//! answer with a deadline. Every answer closes its connection (no keep-alive), so a
//! connection is one request.
//!
//! Our own rather than `tiny_http`'s: that crate accepts the sockets itself, reads each on
//! a thread of its own (as many threads as connections) and has no read timeout, so a
//! client that sends half a request holds a thread forever (docs/status.md, "Limits").

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::app::Reply;

/// The bounds every connection is held to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Connections open at once (being read, waiting, being answered); the next one gets
    /// `503` with `Retry-After` at once.
    pub(crate) connections: usize,
    /// Time to read the whole request (head and body), and to write the whole answer.
    pub(crate) timeout: Duration,
    /// Answers per second, all connections together (see `server::Pace`).
    pub(crate) rate: u32,
    /// The request line and headers (`431` beyond it).
    pub(crate) head: usize,
    /// The request body (`413` beyond it).
    pub(crate) body: usize,
}

/// The largest request line and headers read.
pub(crate) const MAX_HEAD: usize = 8 * 1024;
/// The largest request body read (actions need none).
pub(crate) const MAX_BODY: usize = 16 * 1024;
/// The longest URL answered (`414` beyond it).
pub(crate) const MAX_URL: usize = 2048;
/// Connections open at once by default.
pub(crate) const CONNECTIONS: usize = 64;
/// The read and write deadline by default.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(5);
/// Answers per second by default.
pub(crate) const RATE: u32 = 50;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connections: CONNECTIONS,
            timeout: TIMEOUT,
            rate: RATE,
            head: MAX_HEAD,
            body: MAX_BODY,
        }
    }
}

/// A request as read.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// The request target: path and query.
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    /// Read, so that the connection stays well-formed; no route uses it.
    #[allow(dead_code)]
    pub(crate) body: Vec<u8>,
}

impl Request {
    /// The header's value, if sent (the name in any case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no request came: answered with a status, or dropped without a word (the client
/// went away or did not finish in time).
pub(crate) enum Refused {
    Answer(Reply),
    Drop,
}

fn refuse(status: u16, text: String) -> Refused {
    Refused::Answer(Reply::text(status, text))
}

/// Reads one request from `stream` within `limits.timeout` from now.
pub(crate) fn read_request(stream: &mut TcpStream, limits: &Limits) -> Result<Request, Refused> {
    let deadline = Instant::now() + limits.timeout;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0_u8; 2048];
    let head_end = loop {
        if let Some(at) = find_head_end(&buf) {
            break at;
        }
        if buf.len() > limits.head {
            return Err(refuse(
                431,
                format!(
                    "the request line and headers are larger than {} bytes\n",
                    limits.head
                ),
            ));
        }
        let n = read_some(stream, &mut chunk, deadline)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    if head_end > limits.head {
        return Err(refuse(
            431,
            format!(
                "the request line and headers are larger than {} bytes\n",
                limits.head
            ),
        ));
    }
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| refuse(400, "the request head is not UTF-8\n".to_string()))?;
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(url), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(refuse(
            400,
            "the request line is not `METHOD TARGET HTTP/1.1`\n".to_string(),
        ));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(refuse(
            505,
            "only HTTP/1.0 and HTTP/1.1 are spoken\n".to_string(),
        ));
    }
    if url.len() > MAX_URL {
        return Err(refuse(
            414,
            format!("the URL is longer than {MAX_URL} bytes\n"),
        ));
    }
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(refuse(
                400,
                format!("a header line without `:`: `{line}`\n"),
            ));
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let mut request = Request {
        method: method.to_string(),
        url: url.to_string(),
        headers,
        body: Vec::new(),
    };
    if request.header("Transfer-Encoding").is_some() {
        return Err(refuse(
            411,
            "send the body with a Content-Length, not a Transfer-Encoding\n".to_string(),
        ));
    }
    let length = match request.header("Content-Length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| refuse(400, format!("Content-Length `{v}` is not a number\n")))?,
    };
    if length > limits.body {
        return Err(refuse(
            413,
            format!("the request body is larger than {} bytes\n", limits.body),
        ));
    }
    let mut body = buf.split_off(head_end + 4);
    while body.len() < length {
        let n = read_some(stream, &mut chunk, deadline)?;
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    request.body = body;
    Ok(request)
}

/// Where the blank line that ends the head starts.
fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

/// Reads what is there before `deadline`; a closed connection or the deadline is a drop.
fn read_some(
    stream: &mut TcpStream,
    chunk: &mut [u8],
    deadline: Instant,
) -> Result<usize, Refused> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Refused::Drop);
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|_| Refused::Drop)?;
        match stream.read(chunk) {
            Ok(0) => return Err(Refused::Drop),
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Err(Refused::Drop),
        }
    }
}

/// How long an answered connection is drained before it is closed.
const DRAIN: Duration = Duration::from_millis(200);

/// The headers every answer carries.
const SECURITY: &str = "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\
    Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; \
    script-src 'self'; connect-src 'self'; img-src 'self' data:\r\n";

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// Writes `reply` (without its body for a `HEAD`) within `timeout`, then closes.
pub(crate) fn write_reply(
    stream: &mut TcpStream,
    reply: &Reply,
    head_only: bool,
    timeout: Duration,
) {
    let retry = if reply.status == 503 {
        "Retry-After: 1\r\n"
    } else {
        ""
    };
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n{SECURITY}{retry}\r\n",
        reply.status,
        reason(reply.status),
        reply.content_type,
        reply.body.len()
    );
    // One deadline for the whole answer: the write timeout bounds each write, and a body
    // is at most a few writes of a socket buffer.
    let _ = stream.set_write_timeout(Some(timeout));
    let deadline = Instant::now() + timeout;
    let mut parts: [&[u8]; 2] = [head.as_bytes(), reply.body.as_bytes()];
    if head_only {
        parts[1] = &[];
    }
    for part in parts {
        let mut rest = part;
        while !rest.is_empty() {
            if Instant::now() >= deadline {
                return;
            }
            match stream.write(rest) {
                Ok(0) => return,
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }
    let _ = stream.flush();
    // Tell the client we are done, then drain briefly what it may still send (a refused
    // head or body), so that closing does not reset the connection before it read the
    // answer: at most 64 KiB, for at most DRAIN.
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let deadline = Instant::now() + DRAIN;
    let mut sink = [0_u8; 4096];
    for _ in 0..16 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match stream.read(&mut sink) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::find_head_end;

    #[test]
    fn the_head_ends_at_the_blank_line() {
        assert_eq!(
            find_head_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"),
            Some(23)
        );
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
    }
}
