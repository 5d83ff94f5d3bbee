//! Shared by the status page tests: a tiny HTTP/1.1 client (one request per connection),
//! a free local port, a scheduler on a thread, and waiting for what a page shows.

#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use redengine::{Action, Execution, MemoryLog, Session, SessionHandle, Task};

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
    send(&mut stream, method, path, headers, body)?;
    read_reply(&mut stream)
}

/// Writes one request on `stream`.
pub fn send(
    stream: &mut TcpStream,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<()> {
    let addr = stream.peer_addr()?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())
}

/// Reads one response from `stream`.
pub fn read_reply(stream: &mut TcpStream) -> std::io::Result<Reply> {
    // Read the head, then exactly the body the head announces: some servers (chromedriver)
    // keep the connection open whatever `Connection: close` says.
    let mut raw = Vec::new();
    let mut buf = [0_u8; 8192];
    let head_end = loop {
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break raw.len();
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = head.contains("transfer-encoding: chunked");
    loop {
        let have = raw.len() - head_end;
        let done = match length {
            Some(n) => have >= n,
            None if chunked => raw.ends_with(b"0\r\n\r\n"),
            None => false,
        };
        if done {
            break;
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = String::from_utf8_lossy(&raw[head_end..]).into_owned();
    let body = if chunked { dechunk(&body) } else { body };
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

pub const TOKEN: &str = "s3cret-token-for-tests";
pub const XSS: &str = "<script>alert(1)</script>";

pub struct Running {
    pub addr: String,
    pub handle: SessionHandle,
    pub log: MemoryLog,
    thread: Option<JoinHandle<redengine::Result<()>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A scheduler on the wall clock whose tasks run only when asked (`start_cond` false).
pub fn start() -> Running {
    start_with(Vec::new())
}

/// [`start`] on a log that already holds `records`.
pub fn start_with(records: Vec<redengine::TaskRecord>) -> Running {
    start_configured(records, &[])
}

/// [`start`] with the status page's limits set by config keys (`status_connections`,
/// `status_timeout`).
pub fn start_limited(keys: &[(&str, &str)]) -> Running {
    start_configured(Vec::new(), keys)
}

fn start_configured(records: Vec<redengine::TaskRecord>, keys: &[(&str, &str)]) -> Running {
    let addr = free_addr();
    let log = MemoryLog::with_records(records);
    let builder = keys
        .iter()
        .fold(Session::builder(), |b, (k, v)| b.config(k, v));
    let mut session =
        builder
            .log_store(log.clone())
            .task_execution(Execution::Thread)
            .status_page(&addr)
            .status_token(TOKEN)
            .task(Task::builder("ok_task").start_cond("false").run(|_| ()))
            .task(Task::builder(XSS).start_cond("false").run(|_| {
                Err::<(), String>("<b>boom</b> & <img src=x onerror=alert(2)>".to_string())
            }))
            .task(
                Task::builder("daily_report")
                    .start_cond("daily after 23:59:59")
                    .run(|_| ()),
            )
            .build()
            .expect("session builds");
    let handle = session.handle();
    let thread = std::thread::spawn(move || session.run());
    up(&addr);
    Running {
        addr,
        handle,
        log,
        thread: Some(thread),
    }
}

pub fn count(log: &MemoryLog, task: &str, action: Action) -> usize {
    log.records()
        .iter()
        .filter(|r| r.task_name == task && r.action == action)
        .count()
}

/// Posts `action` on `task` with the token, and waits until the log has `n` records of
/// `outcome` for it.
pub fn act(r: &Running, task: &str, n: usize, outcome: Action) {
    let path = format!("/api/tasks/{}/run", encode(task));
    let reply = post(
        &r.addr,
        &path,
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    );
    assert_eq!(reply.status, 202, "{}", reply.body);
    until(30, "the run to finish", || {
        (count(&r.log, task, outcome) >= n).then_some(())
    });
}

pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub mod webdriver;

/// A day of runs of three tasks the session does not define (the log remembers them): a
/// fuller timeline for the screenshot in docs/.
pub fn past_day() -> Vec<redengine::TaskRecord> {
    use chrono::{TimeDelta, Utc};
    let now = Utc::now().fixed_offset();
    let mut records = Vec::new();
    for (task, every, takes, fails) in [
        ("fetch_prices", 1, 6, 7),
        ("build_report", 3, 25, 4),
        ("backup_db", 6, 50, 0),
    ] {
        let mut k = 0;
        let mut h = 23;
        while h >= 1 {
            let start = now - TimeDelta::hours(h) - TimeDelta::minutes(13);
            let end = start + TimeDelta::minutes(takes);
            k += 1;
            let action = if fails > 0 && k % fails == 0 {
                Action::Fail
            } else {
                Action::Success
            };
            records.push(redengine::TaskRecord::run(task, start));
            records.push(redengine::TaskRecord::finish(task, action, start, end, ""));
            h -= every;
        }
    }
    records.sort_by_key(|r| r.created);
    records
}
