//! The status server: our own bounded HTTP/1.1 server on `std::net` ([`super::http`]),
//! and its routes (docs/status.md, "Limits").
//!
//! One thread accepts. A connection beyond [`Limits::connections`] gets `503` with
//! `Retry-After` at once; the others go to connection threads (a pool that grows to at
//! most that many and keeps its threads), which only read the request within the
//! timeout, answer from the cache of rendered answers or hand the request to one of
//! [`RENDERERS`] render threads, write within the timeout and close. Rendering — the CPU
//! and the memory a page costs — thus happens on two threads however many clients there
//! are (and in two allocator arenas). Every server thread runs under the idle scheduling
//! policy (Linux), so clients compete with each other for the CPU, not with dispatching. Nothing here takes a lock the loop waits on: a renderer reads
//! the latest snapshot (one pointer copy) or the store's read-only reader.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

pub(crate) use super::app::{App, Cache, History, Reply};
pub(crate) use super::http::Limits;
use super::http::{self, Refused, Request};
use super::{actions, api, pages, query::Query};

/// Render threads: two, so that on a small machine the server leaves the scheduler's
/// loop a core however hard it is hammered (answers from the cache need no render).
pub(crate) const RENDERERS: usize = 2;

/// A running server: stops accepting when dropped. Connection threads finish the
/// connection they hold (each within the timeout) and end.
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

/// What the connection threads share.
struct Pool {
    app: Arc<App>,
    limits: Limits,
    /// Connections accepted and not yet closed.
    open: AtomicUsize,
    /// Connection threads waiting for a connection.
    idle: AtomicUsize,
    /// To the render threads: a request, and where its answer goes.
    render: Sender<(Request, Sender<Arc<Reply>>)>,
    pace: Pace,
}

impl Server {
    /// Listens on `addr` and starts accepting.
    pub(crate) fn start(addr: &str, app: App, limits: Limits) -> Result<Server, String> {
        let listener = TcpListener::bind(addr).map_err(|e| e.to_string())?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let app = Arc::new(app);
        let connections = limits.connections.max(1);
        // At most one request per open connection waits for a renderer.
        let (render, jobs) = crossbeam_channel::bounded(connections);
        for n in 0..RENDERERS {
            let (jobs, app) = (jobs.clone(), Arc::clone(&app));
            std::thread::Builder::new()
                .name(format!("redengine-status-render-{n}"))
                .spawn(move || {
                    lower_priority();
                    render_loop(&jobs, &app);
                })
                .map_err(|e| e.to_string())?;
        }
        let pool = Arc::new(Pool {
            app,
            limits: Limits {
                connections,
                ..limits
            },
            open: AtomicUsize::new(0),
            idle: AtomicUsize::new(0),
            render,
            pace: Pace::new(limits.rate),
        });
        let st = Arc::clone(&stop);
        let accept = std::thread::Builder::new()
            .name("redengine-status-accept".to_string())
            .spawn(move || {
                lower_priority();
                accept_loop(&listener, &st, &pool);
            })
            .map_err(|e| e.to_string())?;
        ::log::info!(target: "redengine::status", "status page at http://{local}/");
        Ok(Server {
            addr: local,
            stop,
            accept: Some(accept),
        })
    }

    /// The address it listens on (the port the system chose for `:0`).
    pub(crate) fn addr(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocked `accept` with a connection of our own.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        let _ = TcpStream::connect_timeout(&wake, std::time::Duration::from_secs(1));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// Puts the calling thread under `SCHED_IDLE` (Linux): it runs only when no ordinary
/// thread wants the CPU, and a waking ordinary thread — the scheduler's loop — takes the
/// CPU from it at once and is placed on a CPU that runs only such threads. Measured in
/// the status bench row (50 clients, 1,000 tasks, 3 interleaved pairs of 20 s runs): the
/// loaded/unloaded dispatch ratio was 1.13, 1.13, 1.21 with the server threads at nice 10,
/// 0.90, 1.07, 1.09 under `SCHED_IDLE`. Elsewhere (or if refused) the thread keeps the
/// process's priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        use thread_priority::unix::{
            set_thread_priority_and_policy, thread_native_id, NormalThreadSchedulePolicy,
            ThreadSchedulePolicy,
        };
        if let Err(e) = set_thread_priority_and_policy(
            thread_native_id(),
            thread_priority::ThreadPriority::Min,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
        ) {
            ::log::debug!(target: "redengine::status", "status page: no idle policy: {e:?}");
        }
    }
}

fn accept_loop(listener: &TcpListener, stop: &AtomicBool, pool: &Arc<Pool>) {
    let (tx, rx) = crossbeam_channel::unbounded::<TcpStream>();
    let mut threads = 0;
    while !stop.load(Ordering::SeqCst) {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) => {
                ::log::warn!(target: "redengine::status", "status page: {e}");
                std::thread::sleep(std::time::Duration::from_millis(50));
                continue;
            }
        };
        if stop.load(Ordering::SeqCst) {
            break;
        }
        if pool.open.load(Ordering::SeqCst) >= pool.limits.connections {
            busy(stream, pool.limits.connections);
            continue;
        }
        pool.open.fetch_add(1, Ordering::SeqCst);
        if pool.idle.load(Ordering::SeqCst) == 0 && threads < pool.limits.connections {
            let (rx, pool) = (rx.clone(), Arc::clone(pool));
            let spawned = std::thread::Builder::new()
                .name("redengine-status".to_string())
                .spawn(move || {
                    lower_priority();
                    pool.idle.fetch_add(1, Ordering::SeqCst);
                    for mut stream in rx {
                        pool.idle.fetch_sub(1, Ordering::SeqCst);
                        serve(&mut stream, &pool);
                        drop(stream);
                        pool.open.fetch_sub(1, Ordering::SeqCst);
                        pool.idle.fetch_add(1, Ordering::SeqCst);
                    }
                });
            match spawned {
                Ok(_) => threads += 1,
                Err(e) => ::log::warn!(target: "redengine::status", "status page: {e}"),
            }
        }
        // The count of open connections bounds what waits here.
        let _ = tx.send(stream);
    }
}

/// `503` at once, without reading the request (the client may not have sent it yet):
/// what the client already sent is drained without waiting, so closing is a clean FIN.
fn busy(mut stream: TcpStream, limit: usize) {
    let reply = Reply::text(
        503,
        format!("busy: {limit} connections are open, the most this page serves; try again in a second\n"),
    );
    let _ = stream.set_nonblocking(true);
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\nRetry-After: 1\r\n\r\n",
        reply.content_type,
        reply.body.len()
    );
    let _ = std::io::Write::write_all(&mut stream, format!("{head}{}", reply.body).as_bytes());
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut sink = [0_u8; 4096];
    while let Ok(n) = std::io::Read::read(&mut stream, &mut sink) {
        if n == 0 {
            break;
        }
    }
}

/// One connection: one request, one answer.
fn serve(stream: &mut TcpStream, pool: &Pool) {
    let timeout = pool.limits.timeout;
    let request = match http::read_request(stream, &pool.limits) {
        Ok(r) => r,
        Err(Refused::Drop) => return,
        Err(Refused::Answer(reply)) => return http::write_reply(stream, &reply, false, timeout),
    };
    pool.pace.wait();
    let head = request.method == "HEAD";
    let get = request.method == "GET" || head;
    if get {
        if let Some(hit) = pool.app.cache.get(&request.url) {
            return http::write_reply(stream, &hit, head, timeout);
        }
    }
    let (tx, rx) = crossbeam_channel::bounded(1);
    if pool.render.send((request, tx)).is_err() {
        return;
    }
    if let Ok(reply) = rx.recv() {
        http::write_reply(stream, &reply, head, timeout);
    }
}

/// A render thread: answers requests until the server is gone.
fn render_loop(jobs: &Receiver<(Request, Sender<Arc<Reply>>)>, app: &App) {
    for (request, answer) in jobs {
        let get = request.method == "GET" || request.method == "HEAD";
        // Another connection may have asked for the same page while this one waited.
        let reply = match get.then(|| app.cache.get(&request.url)).flatten() {
            Some(hit) => hit,
            None => {
                let reply = Arc::new(route(&request, app));
                if get {
                    app.cache.put(&request.url, &reply);
                }
                reply
            }
        };
        let _ = answer.send(reply);
    }
}

fn route(request: &Request, app: &App) -> Reply {
    let url = request.url.as_str();
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let query = Query::parse(query);
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(super::query::decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let get = request.method == "GET" || request.method == "HEAD";
    let post = request.method == "POST";
    match (segments.as_slice(), get, post) {
        (["api", "tasks", task, action], _, true) => actions::act(request, app, task, action),
        (["api", "tasks", _, _], true, _) => Reply::text(
            405,
            "actions are POST only, with the operator's token in a header (docs/status.md)\n",
        ),
        (_, false, _) => Reply::text(405, "only GET (and POST for actions) is answered\n"),
        ([], true, _) => pages::tasks(&app.slot.read()),
        (["task", name], true, _) => pages::task(app, name),
        (["timeline"], true, _) => pages::timeline(app, &query),
        (["history"], true, _) => pages::history(app, &query),
        (["static", "status.js"], true, _) => Reply {
            status: 200,
            content_type: "text/javascript; charset=utf-8",
            body: pages::SCRIPT.to_string(),
        },
        (["metrics"], true, _) => match &app.metrics {
            Some(m) => Reply {
                status: 200,
                content_type: "application/openmetrics-text; version=1.0.0; charset=utf-8",
                body: m.render(&app.slot.read()),
            },
            None => Reply::text(
                404,
                "no metrics: `serve` shows a log read-only; the scheduler's own status page has them\n",
            ),
        },
        (["api", "status"], true, _) => Reply::json(&*app.slot.read()),
        (["api", "tasks", name], true, _) => api::task(app, name),
        (["api", "history"], true, _) => api::history(app, &query),
        (["api", "timeline"], true, _) => api::timeline(app, &query),
        _ => Reply::text(404, "no such page; start at /\n"),
    }
}

/// The answers' pace, all connections together: each request read takes the next free
/// slot, `1 / rate` after the one before, and its connection thread sleeps until then.
///
/// Why: on a small machine, clients hammering the page keep every CPU busy with their
/// own requests (ordinary threads, which the idle policy of our threads does nothing
/// against), and the scheduler's loop, woken by a finished run, waits for a CPU. Measured
/// with 50 clients and 1,000 tasks on 2 cores (medians of 3): dispatch 4.1× the unloaded
/// latency without a pace, 2.5× at 500 answers/s, 1.12× at 100, 0.98× at 50 (the
/// default). Waiting clients cost nothing; what the page is for (a person, a Prometheus
/// scrape) needs a few answers a second.
struct Pace {
    interval: std::time::Duration,
    next: std::sync::Mutex<std::time::Instant>,
}

impl Pace {
    fn new(rate: u32) -> Pace {
        Pace {
            interval: std::time::Duration::from_secs(1) / rate.max(1),
            next: std::sync::Mutex::new(std::time::Instant::now()),
        }
    }

    /// Sleeps until this request's slot.
    fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let slot = (*next).max(std::time::Instant::now());
            *next = slot + self.interval;
            slot
        };
        let now = std::time::Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
        }
    }
}
