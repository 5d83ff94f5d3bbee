//! status: the status page under load. A scheduler with 1,000 tasks scheduled (none due)
//! and a thread ping-pong `a`→`b` whose dispatch latency is measured for a window with the
//! status page on and no client, then for the same window while 50 clients (a child
//! process, so their own memory and threads are not the server's) request every page back
//! to back; and the peak resident memory the load added to the scheduler's process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redengine::{Execution, Session, Task, Zone};

use crate::probe::{median, secs, window_ahead};

/// The child mode of the client process: `child status-clients ADDR SECONDS`.
pub(crate) const CHILD: &str = "status-clients";
/// Concurrent clients of the loaded phase.
pub(crate) const CLIENTS: usize = 50;
/// Tasks scheduled beside the ping-pong.
pub(crate) const TASKS: usize = 1_000;
/// Every page the server has, the JSON API and the metrics included.
const PAGES: [&str; 11] = [
    "/",
    "/task/t1",
    "/timeline",
    "/history?outcome=finished",
    "/history?task=a&page=2",
    "/metrics",
    "/api/status",
    "/api/tasks/t2",
    "/api/history?page=3",
    "/api/timeline",
    "/static/status.js",
];

/// What one measurement gives.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    /// Median dispatch latency (µs), status page on, no client.
    pub(crate) idle_us: f64,
    /// The same while the clients hammer.
    pub(crate) loaded_us: f64,
    /// Peak resident memory the loaded phase added to the scheduler's process (MiB).
    pub(crate) rss_growth_mib: f64,
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

fn free_addr() -> Result<String, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = l.local_addr().map_err(|e| e.to_string())?.port();
    Ok(format!("127.0.0.1:{port}"))
}

/// One GET; the status code (0 when the connection failed).
fn get(addr: &str, path: &str) -> u16 {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return 0;
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw[..raw.len().min(16)])
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// The client process: [`CLIENTS`] threads request every page in turn for `seconds`,
/// then it prints `ANSWERED BUSY` (answers, of which `503`s).
pub(crate) fn clients(args: &[String]) -> Result<(), String> {
    let (Some(addr), Some(seconds)) = (args.first(), args.get(1)) else {
        return Err(format!("usage: child {CHILD} ADDR SECONDS"));
    };
    let seconds: f64 = seconds
        .parse()
        .map_err(|_| format!("`{seconds}` is not a number of seconds"))?;
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let answered = Arc::new(AtomicUsize::new(0));
    let busy = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (addr, answered, busy) = (addr.clone(), Arc::clone(&answered), Arc::clone(&busy));
            std::thread::spawn(move || {
                let mut k = c;
                while Instant::now() < deadline {
                    match get(&addr, PAGES[k % PAGES.len()]) {
                        0 => {}
                        503 => {
                            answered.fetch_add(1, Ordering::Relaxed);
                            busy.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    k += 1;
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    println!(
        "{} {}",
        answered.load(Ordering::Relaxed),
        busy.load(Ordering::Relaxed)
    );
    Ok(())
}

/// Measures dispatches for `window` unloaded, then for `window` under [`CLIENTS`] clients.
pub(crate) fn measure(window: Duration) -> Result<Load, String> {
    let addr = free_addr()?;
    let a_end = Arc::new(Mutex::new(None::<Instant>));
    let gaps = Arc::new(Mutex::new(Vec::<f64>::new()));
    let end = Arc::clone(&a_end);
    let a = Task::builder("a")
        .start_cond("after task 'b' finished")
        .force_run(true)
        .execution(Execution::Thread)
        .run(move |_| {
            if let Ok(mut slot) = end.lock() {
                *slot = Some(Instant::now());
            }
        });
    let (end, g) = (Arc::clone(&a_end), Arc::clone(&gaps));
    let b = Task::builder("b")
        .start_cond("after task 'a' succeeded")
        .execution(Execution::Thread)
        .run(move |_| {
            let first = Instant::now();
            let upstream = end.lock().ok().and_then(|mut s| s.take());
            if let (Some(at), Ok(mut g)) = (upstream, g.lock()) {
                g.push(secs(first - at) * 1e6);
            }
            // Between rounds, a little time passes: the ping-pong is a heartbeat, not a
            // busy loop competing with the clients.
            std::thread::sleep(Duration::from_millis(2));
        });
    let cond = window_ahead();
    let mut session = Session::builder()
        .zone(Zone::Utc)
        .log_memory()
        .status_page(&addr)
        .with_tasks((0..TASKS).map(|i| {
            Task::builder(format!("t{i}"))
                .start_cond(cond.as_str())
                .run(|_| ())
        }))
        .task(a)
        .task(b)
        .build()
        .map_err(|e| e.to_string())?;
    let handle = session.handle();
    let scheduler = std::thread::Builder::new()
        .name("scheduler".to_string())
        .spawn(move || session.run().map_err(|e| e.to_string()))
        .map_err(|e| e.to_string())?;
    let take = |what: &str| -> Result<Vec<f64>, String> {
        let mut g = gaps.lock().map_err(|e| e.to_string())?;
        let got = std::mem::take(&mut *g);
        if got.len() < 20 {
            return Err(format!("{what}: {} dispatches in {window:?}", got.len()));
        }
        Ok(got)
    };
    // A second to settle (the first publishes, the thread pool), then the unloaded window.
    std::thread::sleep(Duration::from_secs(1));
    drop(take("settling"));
    std::thread::sleep(window);
    let idle = take("unloaded");

    let before = rss_kib().unwrap_or(0);
    let mut child = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
        .args(["child", CHILD, &addr, &format!("{}", window.as_secs_f64())])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the client process: {e}"))?;
    drop(take("before the load"));
    let mut peak = before;
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                peak = peak.max(rss_kib().unwrap_or(0));
                std::thread::sleep(Duration::from_millis(50));
            }
            peak
        })
    };
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let _ = child.wait();
    let busy = take("loaded");
    stop.store(true, Ordering::SeqCst);
    let peak = sampler.join().unwrap_or(before);
    handle.shutdown();
    scheduler
        .join()
        .map_err(|_| "the scheduler panicked".to_string())??;
    let mut counts = line.split_whitespace();
    eprint!(
        "({} requests answered, {} of them 503) ",
        counts.next().unwrap_or("?"),
        counts.next().unwrap_or("?")
    );
    Ok(Load {
        idle_us: median(idle?),
        loaded_us: median(busy?),
        rss_growth_mib: peak.saturating_sub(before) as f64 / 1024.0,
    })
}
