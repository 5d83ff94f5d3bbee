//! Shared by the status page tests: a tiny HTTP/1.1 client (one request per connection),
//! a free local port, a scheduler on a thread, and waiting for what a page shows.

#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// A free port on 127.0.0.1 (the listener is closed again at once).
pub fn free_addr() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let addr = l.local_addr().expect("local address");
    format!("127.0.0.1:{}", addr.port())
}

/// A response: status and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// Sends one request and reads the whole response.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok(Reply { status, body })
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

pub fn get(addr: &str, path: &str) -> Reply {
    request(addr, "GET", path, &[], "").unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

pub fn post(addr: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    request(addr, "POST", path, headers, "").unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

/// Asks `probe` until it answers `Some`, for at most `secs` seconds: the scheduler runs on
/// its own thread on the wall clock, so the test waits for what the page shows.
pub fn until<T>(secs: u64, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the server at `addr` answers.
pub fn up(addr: &str) {
    until(30, "the status page to answer", || {
        request(addr, "GET", "/api/status", &[], "")
            .ok()
            .filter(|r| r.status == 200 && r.body.contains("\"cycles\""))
    });
}
