//! The status page: an embedded HTTP server showing what ran, what runs and why something
//! did not, its JSON API, and Prometheus metrics (the repository's docs/status.md).
//!
//! * `snapshot`: what the scheduler publishes each cycle, and the slot it goes in;
//! * `server`: the bounded server and its routes, on `http` (our own HTTP/1.1 on
//!   `std::net`); `app`: what its handlers share (state, answers, the cache of
//!   rendered answers);
//! * `pages`, `timeline` and `html`: server-rendered HTML, the SVG Gantt chart,
//!   escaping;
//! * `api`: the same data as JSON;
//! * `metrics`: `/metrics`, fed by the records the scheduler writes;
//! * `actions`: run now, terminate, disable, enable — POST with the operator's token.

mod actions;
mod api;
mod app;
mod html;
mod http;
pub(crate) mod metrics;
mod pages;
mod query;
pub(crate) mod server;
pub mod snapshot;
mod timeline;

use std::sync::{Arc, Mutex, PoisonError, Weak};

pub use snapshot::{Last, Outlook, RetryStatus, RunStatus, Snapshot, TaskFixed, TaskStatus, Tasks};

use crate::error::{Error, ErrorKind, Result};
use crate::handle::{Control, SessionHandle};
use crate::session::Session;
use metrics::{CountingStore, Metrics};
use server::{History, Server};

/// What a session's status page shares across runs of its scheduler (a restart builds a
/// new scheduler, the counters go on).
pub(crate) struct Shared {
    pub(crate) slot: Arc<snapshot::Slot>,
    pub(crate) metrics: Arc<Metrics>,
    /// Tasks with records appended since the last publish (by the [`CountingStore`]).
    pub(crate) touched: Arc<Mutex<Vec<String>>>,
}

/// Sessions with a status page, by their control block: the store is wrapped for the
/// counters once per session, however many times its scheduler starts.
static SESSIONS: Mutex<Vec<(Weak<Control>, Arc<Shared>)>> = Mutex::new(Vec::new());

fn shared(session: &mut Session) -> Arc<Shared> {
    let mut sessions = SESSIONS.lock().unwrap_or_else(PoisonError::into_inner);
    sessions.retain(|(control, _)| control.strong_count() > 0);
    let me = Arc::downgrade(&session.control);
    if let Some((_, found)) = sessions.iter().find(|(c, _)| c.ptr_eq(&me)) {
        return Arc::clone(found);
    }
    let metrics = Arc::new(Metrics::new());
    let touched = Arc::new(Mutex::new(Vec::new()));
    let inner = std::mem::replace(&mut session.store, Box::new(crate::log::MemoryLog::new()));
    session.store = Box::new(CountingStore {
        inner,
        metrics: Arc::clone(&metrics),
        touched: Arc::clone(&touched),
    });
    let found = Arc::new(Shared {
        slot: Arc::new(snapshot::Slot::new(true)),
        metrics,
        touched,
    });
    sessions.push((me, Arc::clone(&found)));
    found
}

/// The scheduler's side of the status page: the server it started, and what it keeps
/// between publishes.
pub(crate) struct Publisher {
    pub(crate) shared: Arc<Shared>,
    /// Stops the server when the scheduler stops.
    _server: Server,
    /// The parts of each task that change only with the task, by index.
    pub(crate) fixed: Vec<Arc<TaskFixed>>,
    /// Next start and explanation by index, and when they were computed.
    pub(crate) outlook: Vec<Arc<Outlook>>,
    pub(crate) refreshed: Option<std::time::Instant>,
    /// What the outlook was computed from: each task's flags and start condition, and the
    /// number of records the history held.
    pub(crate) seen: Vec<(crate::registry::TaskFlags, redengine_conditions::Condition)>,
    pub(crate) records: usize,
    /// The tasks of the last snapshot, and which tasks were running in it.
    pub(crate) tasks: snapshot::Tasks,
    pub(crate) was_running: Vec<usize>,
    /// Task indices by name (of the tasks not removed), as of the last full build.
    pub(crate) index: std::collections::HashMap<String, usize>,
    /// The history's length at the last publish.
    pub(crate) history_len: usize,
}

impl Publisher {
    /// Starts the status server if the session asks for one (`status_page`).
    pub(crate) fn start(session: &mut Session) -> Result<Option<Publisher>> {
        let Some(addr) = session.config.status_page.clone() else {
            return Ok(None);
        };
        let shared = shared(session);
        let handle = session.handle();
        let reader = handle.clone();
        let history: History = Box::new(move |q| reader.history(q).map_err(|e| e.to_string()));
        let server = Server::start(
            &addr,
            server::App {
                slot: Arc::clone(&shared.slot),
                metrics: Some(Arc::clone(&shared.metrics)),
                handle: Some(handle),
                token: session.config.status_token.clone(),
                history,
                cache: server::Cache::default(),
            },
            limits(&session.config),
        )
        .map_err(|e| {
            Error::new(ErrorKind::Config {
                key: "status_page".to_string(),
                value: addr.clone(),
                accepted: format!("an address this process can listen on ({e})"),
            })
        })?;
        Ok(Some(Publisher {
            shared,
            _server: server,
            fixed: Vec::new(),
            outlook: Vec::new(),
            refreshed: None,
            seen: Vec::new(),
            records: 0,
            tasks: snapshot::Tasks::default(),
            was_running: Vec::new(),
            index: std::collections::HashMap::new(),
            history_len: 0,
        }))
    }
}

/// The server's bounds from the session's config (`status_connections`,
/// `status_timeout`, `status_rate`); the sizes are fixed.
pub(crate) fn limits(config: &crate::config::Config) -> server::Limits {
    server::Limits {
        connections: config.status_connections,
        timeout: config.status_timeout,
        rate: config.status_rate,
        ..server::Limits::default()
    }
}

/// Serves a log read-only (the `serve` command): the caller publishes snapshots into the
/// slot it gets back; there are no actions and no counters.
pub(crate) fn serve(
    addr: &str,
    history: History,
    limits: server::Limits,
) -> std::result::Result<(Server, Arc<snapshot::Slot>), String> {
    let slot = Arc::new(snapshot::Slot::new(false));
    let server = Server::start(
        addr,
        server::App {
            slot: Arc::clone(&slot),
            metrics: None,
            handle: None::<SessionHandle>,
            token: None,
            history,
            cache: server::Cache::default(),
        },
        limits,
    )?;
    Ok((server, slot))
}
