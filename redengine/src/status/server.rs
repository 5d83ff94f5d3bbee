//! The status server: `tiny_http` with a fixed number of worker threads, bounded
//! connections and request bodies (docs/status.md, "Limits").
//!
//! Each worker takes a request, reads the latest snapshot (one pointer copy) or asks the
//! store's read-only reader, renders, answers and closes the connection. Nothing here
//! takes a lock the scheduler's loop waits on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tiny_http::{Header, Method, Request, Response};

pub(crate) use super::app::{App, Cache, History, Reply};
use super::{actions, api, pages, query::Query};

/// Requests served at once: two, so that on a small machine the server leaves the
/// scheduler's loop a core however hard it is hammered.
pub(crate) const WORKERS: usize = 2;
/// Requests waiting for a worker beyond this get `503 Service Unavailable` at once.
pub(crate) const MAX_QUEUED: usize = 64;
/// The largest request body read (actions need none).
pub(crate) const MAX_BODY: usize = 16 * 1024;
/// The longest URL answered.
pub(crate) const MAX_URL: usize = 2048;

/// A running server: stops (and joins its workers) when dropped.
pub(crate) struct Server {
    http: Arc<tiny_http::Server>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Server {
    /// Listens on `addr` and starts the workers.
    pub(crate) fn start(addr: &str, app: App) -> Result<Server, String> {
        let http = Arc::new(tiny_http::Server::http(addr).map_err(|e| e.to_string())?);
        let stop = Arc::new(AtomicBool::new(false));
        let app = Arc::new(app);
        let (tx, rx) = crossbeam_channel::bounded::<Request>(MAX_QUEUED);
        let mut threads = (0..WORKERS)
            .map(|n| {
                let (rx, app) = (rx.clone(), Arc::clone(&app));
                std::thread::Builder::new()
                    .name(format!("redengine-status-{n}"))
                    .spawn(move || {
                        for request in rx {
                            answer(request, &app);
                        }
                    })
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (h, st) = (Arc::clone(&http), Arc::clone(&stop));
        threads.push(
            std::thread::Builder::new()
                .name("redengine-status-accept".to_string())
                .spawn(move || dispatch(&h, &st, &tx))
                .map_err(|e| e.to_string())?,
        );
        ::log::info!(target: "redengine::status", "status page at http://{addr}/");
        Ok(Server {
            http,
            stop,
            threads,
        })
    }

    /// The address it listens on (the port the system chose for `:0`).
    pub(crate) fn addr(&self) -> String {
        self.http.server_addr().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.http.unblock();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Hands each request to a worker; when [`MAX_QUEUED`] already wait, answers `503` at
/// once instead of letting the queue (and memory) grow. Dropping the sender at the end
/// stops the workers once they finish what they hold.
fn dispatch(http: &tiny_http::Server, stop: &AtomicBool, tx: &crossbeam_channel::Sender<Request>) {
    while !stop.load(Ordering::SeqCst) {
        match http.recv_timeout(Duration::from_millis(200)) {
            Ok(Some(request)) => {
                if let Err(crossbeam_channel::TrySendError::Full(request)) = tx.try_send(request) {
                    let busy = Reply::text(
                        503,
                        "busy: too many requests waiting; try again in a second\n",
                    );
                    respond(request, Arc::new(busy));
                }
            }
            Ok(None) => {}
            Err(e) => {
                ::log::warn!(target: "redengine::status", "status page: {e}");
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

fn answer(mut request: Request, app: &App) {
    let reply = if request.url().len() > MAX_URL {
        Reply::text(414, format!("the URL is longer than {MAX_URL} bytes\n"))
    } else if request.body_length().unwrap_or(0) > MAX_BODY {
        Reply::text(
            413,
            format!("the request body is larger than {MAX_BODY} bytes\n"),
        )
    } else {
        // Drain what body there is (bounded), so the connection stays well-formed.
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(
            &mut std::io::Read::take(request.as_reader(), MAX_BODY as u64),
            &mut sink,
        );
        let get = *request.method() == Method::Get;
        if let Some(hit) = get.then(|| app.cache.get(request.url())).flatten() {
            return respond(request, hit);
        }
        let reply = Arc::new(route(&request, app));
        if get {
            app.cache.put(request.url(), &reply);
        }
        return respond(request, reply);
    };
    respond(request, Arc::new(reply));
}

/// A reply's body, shared with the cache (no copy per answer).
struct Body(Arc<Reply>);

impl AsRef<[u8]> for Body {
    fn as_ref(&self) -> &[u8] {
        self.0.body.as_bytes()
    }
}

fn respond(request: Request, reply: Arc<Reply>) {
    let length = reply.body.len();
    let mut response = Response::new(
        tiny_http::StatusCode(reply.status),
        Vec::new(),
        std::io::Cursor::new(Body(Arc::clone(&reply))),
        Some(length),
        None,
    );
    for (name, value) in [
        ("Content-Type", reply.content_type),
        ("Connection", "close"),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        (
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; img-src 'self' data:",
        ),
        ("Retry-After", "1"),
    ] {
        if name == "Retry-After" && reply.status != 503 {
            continue;
        }
        if let Ok(h) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(h);
        }
    }
    let _ = request.respond(response);
}

fn route(request: &Request, app: &App) -> Reply {
    let url = request.url();
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let query = Query::parse(query);
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(super::query::decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let get = *request.method() == Method::Get || *request.method() == Method::Head;
    let post = *request.method() == Method::Post;
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
