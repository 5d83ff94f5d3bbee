//! status: the status page under load. A scheduler with 1,000 tasks scheduled (none due)
//! and a thread ping-pong `a`→`b` whose dispatch latency is measured first with the status
//! page on and no client, then while 50 clients request every page back to back; and how
//! much the process's resident memory grew while they did.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use redengine::{Execution, Session, SessionHandle, Task, Zone};

use crate::probe::{median, secs, window_ahead};

/// Concurrent clients of the loaded phase.
pub(crate) const CLIENTS: usize = 50;
/// Tasks scheduled beside the ping-pong.
pub(crate) const TASKS: usize = 1_000;
const PAGES: [&str; 7] = [
    "/",
    "/task/t1",
    "/timeline",
    "/history?outcome=finished",
    "/metrics",
    "/api/status",
    "/api/history?page=3",
];

/// What one measurement gives.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    /// Median dispatch latency (µs), status page on, no client.
    pub(crate) idle_us: f64,
    /// The same while the clients hammer.
    pub(crate) loaded_us: f64,
    /// Resident memory growth during the loaded phase (MiB).
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

/// Measures `rounds` dispatches unloaded, then `rounds` more under [`CLIENTS`] clients
/// (for at most `window` each phase).
pub(crate) fn measure(rounds: usize, window: Duration) -> Result<Load, String> {
    let addr = free_addr()?;
    let late: Arc<OnceLock<SessionHandle>> = Arc::new(OnceLock::new());
    let a_end = Arc::new(Mutex::new(None::<Instant>));
    let gaps = Arc::new(Mutex::new(Vec::<f64>::new()));
    let phase_done = Arc::new(AtomicUsize::new(0));
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
    let (end, g, done) = (
        Arc::clone(&a_end),
        Arc::clone(&gaps),
        Arc::clone(&phase_done),
    );
    let b = Task::builder("b")
        .start_cond("after task 'a' succeeded")
        .execution(Execution::Thread)
        .run(move |_| {
            let first = Instant::now();
            let upstream = end.lock().ok().and_then(|mut s| s.take());
            if let (Some(at), Ok(mut g)) = (upstream, g.lock()) {
                g.push(secs(first - at) * 1e6);
                if g.len() >= rounds {
                    done.store(g.len(), Ordering::SeqCst);
                }
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
    let _ = late.set(session.handle());
    let handle = session.handle();
    let scheduler = std::thread::spawn(move || session.run().map_err(|e| e.to_string()));

    let wait_rounds = |what: &str| -> Result<Vec<f64>, String> {
        let deadline = Instant::now() + window;
        while phase_done.load(Ordering::SeqCst) == 0 {
            if Instant::now() > deadline {
                return Err(format!(
                    "{what}: fewer than {rounds} dispatches in {window:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        phase_done.store(0, Ordering::SeqCst);
        let mut g = gaps.lock().map_err(|e| e.to_string())?;
        Ok(std::mem::take(&mut *g))
    };
    let idle = wait_rounds("unloaded");
    let before = rss_kib().unwrap_or(0);
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (addr, stop, served) = (addr.clone(), Arc::clone(&stop), Arc::clone(&served));
            std::thread::spawn(move || {
                let mut k = c;
                while !stop.load(Ordering::SeqCst) {
                    if get(&addr, PAGES[k % PAGES.len()]) != 0 {
                        served.fetch_add(1, Ordering::Relaxed);
                    }
                    k += 1;
                }
            })
        })
        .collect();
    let busy = wait_rounds("loaded");
    let after = rss_kib().unwrap_or(0);
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        let _ = c.join();
    }
    handle.shutdown();
    scheduler
        .join()
        .map_err(|_| "the scheduler panicked".to_string())??;
    eprint!("({} requests answered) ", served.load(Ordering::Relaxed));
    Ok(Load {
        idle_us: median(idle?),
        loaded_us: median(busy?),
        rss_growth_mib: after.saturating_sub(before) as f64 / 1024.0,
    })
}
