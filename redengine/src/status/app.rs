//! What the status server's handlers share: the app state, the answer type, the cache
//! of rendered answers.

use std::sync::Arc;
use std::time::Instant;

use super::metrics::Metrics;
use super::snapshot::Slot;
use crate::handle::SessionHandle;
use crate::log::{HistoryQuery, TaskRecord};

/// How long a rendered GET answer is reused for the same URL: a hundred clients polling
/// the same page cost one render per interval, not a hundred.
pub(crate) const CACHE_FOR: std::time::Duration = std::time::Duration::from_millis(500);
/// The most answers kept.
const CACHE_SIZE: usize = 128;

/// Reads the log through its read-only reader.
pub(crate) type History =
    Box<dyn Fn(&HistoryQuery) -> Result<Vec<TaskRecord>, String> + Send + Sync>;

/// What the workers answer from.
pub(crate) struct App {
    pub(crate) slot: Arc<Slot>,
    pub(crate) metrics: Option<Arc<Metrics>>,
    /// `None` when serving a log read-only: no actions.
    pub(crate) handle: Option<SessionHandle>,
    pub(crate) token: Option<String>,
    pub(crate) history: History,
    pub(crate) cache: Cache,
}

/// Rendered GET answers by URL, with when they were rendered.
#[derive(Default)]
pub(crate) struct Cache(std::sync::Mutex<std::collections::HashMap<String, (Instant, Arc<Reply>)>>);

impl Cache {
    pub(crate) fn get(&self, url: &str) -> Option<Arc<Reply>> {
        let map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(url)
            .filter(|(at, _)| at.elapsed() < CACHE_FOR)
            .map(|(_, r)| Arc::clone(r))
    }

    pub(crate) fn put(&self, url: &str, reply: &Arc<Reply>) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= CACHE_SIZE {
            map.retain(|_, (at, _)| at.elapsed() < CACHE_FOR);
        }
        if map.len() < CACHE_SIZE {
            map.insert(url.to_string(), (Instant::now(), Arc::clone(reply)));
        }
    }
}

/// An answer: status, content type, body.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn html(body: String) -> Reply {
        Reply {
            status: 200,
            content_type: "text/html; charset=utf-8",
            body,
        }
    }

    pub(crate) fn json(value: &impl serde::Serialize) -> Reply {
        Reply {
            status: 200,
            content_type: "application/json",
            body: serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")),
        }
    }

    pub(crate) fn text(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
        }
    }
}
