//! What the status server shows: a snapshot of the scheduler, published by the loop once
//! per cycle and read by the server's workers.
//!
//! The loop swaps an `Arc` under a lock held for one pointer copy (`Slot`); a worker
//! clones the `Arc` under the same short lock and renders from its own copy. So a slow or
//! hostile client holds nothing the loop waits on: the worst it can do is keep an old
//! snapshot alive.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

/// The scheduler at one instant.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// The scheduler's time when it was published.
    #[serde(serialize_with = "instant")]
    pub at: DateTime<Utc>,
    /// When the scheduler started; `None` when served read-only from a log.
    #[serde(serialize_with = "maybe_instant")]
    pub started: Option<DateTime<Utc>>,
    /// Cycles done so far.
    pub cycles: u64,
    /// `UTC`, `local time (…)`.
    pub zone: String,
    /// The log's description (`CSV log at log/tasks.csv`).
    pub log: String,
    /// A scheduler in this process publishes it (actions possible); `false` for `serve`.
    pub live: bool,
    /// Launching is paused (`set_on_hold`).
    pub on_hold: bool,
    /// The tasks, in check order.
    pub tasks: Tasks,
}

/// The tasks of a snapshot, in chunks shared with the snapshots before and after it: a
/// publish builds again only the chunks whose tasks changed (a run started or ended, a
/// record was written), so its cost follows what changed, not the number of tasks.
#[derive(Debug, Clone, Default)]
pub struct Tasks {
    /// Chunks of [`CHUNK`] places by the scheduler's task index; `None` for a place whose
    /// task was removed.
    pub(crate) chunks: Vec<Arc<Vec<Option<TaskStatus>>>>,
}

/// Places per chunk of [`Tasks`].
pub(crate) const CHUNK: usize = 64;

impl Tasks {
    /// The tasks, in check order.
    pub fn iter(&self) -> impl Iterator<Item = &TaskStatus> {
        self.chunks.iter().flat_map(|c| c.iter().flatten())
    }

    /// How many tasks there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// No task at all.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

impl From<Vec<TaskStatus>> for Tasks {
    fn from(tasks: Vec<TaskStatus>) -> Tasks {
        Tasks {
            chunks: tasks
                .chunks(CHUNK)
                .map(|c| Arc::new(c.iter().cloned().map(Some).collect()))
                .collect(),
        }
    }
}

impl<'a> IntoIterator for &'a Tasks {
    type Item = &'a TaskStatus;
    type IntoIter = Box<dyn Iterator<Item = &'a TaskStatus> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl Serialize for Tasks {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// One task, as `list` shows it, with its runs in flight and its waiting retry.
#[derive(Debug, Clone)]
pub struct TaskStatus {
    /// What changes only when the task is changed (shared between snapshots).
    pub fixed: Arc<TaskFixed>,
    /// Its latest log record: `run` while running, else the last outcome.
    pub last: Option<Last>,
    /// Its latest success (what alerts watch).
    pub last_success: Option<DateTime<Utc>>,
    /// Its runs in flight, oldest first.
    pub running: Vec<RunStatus>,
    /// A retry waiting for its time.
    pub retry: Option<RetryStatus>,
    /// When it can next start and why (not) now; refreshed at most once a second.
    pub outlook: Arc<Outlook>,
}

/// The parts of a task that change only when the task does.
#[derive(Debug, Clone, Serialize)]
pub struct TaskFixed {
    /// The task's name.
    pub name: String,
    /// `function`, `command`, or a custom kind's name.
    pub kind: String,
    /// What it runs (`command `sh -c …``), type names shortened.
    pub describe: String,
    /// `main`, `thread`, `process`, `async`.
    pub execution: String,
    /// The zone its conditions read time in.
    pub task_zone: String,
    /// Check-order priority.
    pub priority: i32,
    /// The flags that are set (`disabled`, `force_run`, …).
    pub flags: Vec<&'static str>,
    /// Its start condition as the scheduler checks it.
    pub start_cond: String,
    /// Its end condition.
    pub end_cond: String,
}

/// A task's latest record.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Last {
    /// The record's action (`run`, `success`, `fail`, …).
    pub action: &'static str,
    /// When it was written.
    #[serde(serialize_with = "instant")]
    pub at: DateTime<Utc>,
}

/// A run in flight.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RunStatus {
    /// When it started.
    #[serde(serialize_with = "instant")]
    pub start: DateTime<Utc>,
    /// Seconds since then, at the snapshot's instant.
    pub elapsed: f64,
    /// Which attempt it is (1 unless retried).
    pub attempt: u32,
}

/// A retry waiting for its time.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RetryStatus {
    /// The attempt it launches (2 for the first retry).
    pub attempt: u32,
    /// Of how many.
    pub of: u32,
    /// When it is due.
    #[serde(serialize_with = "instant")]
    pub at: DateTime<Utc>,
}

/// When a task can next start, and the `check` explanation of its start condition now.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outlook {
    /// `now`, an instant, `on an event`, `never (disabled)`, …
    pub next_start: String,
    /// The instant, when there is one.
    #[serde(serialize_with = "maybe_instant")]
    pub next_start_at: Option<DateTime<Utc>>,
    /// `would start: …` / `would not start: …`.
    pub verdict: String,
    /// The explanation tree of the start condition, one line per node.
    pub explanation: Vec<String>,
}

/// An instant as RFC 3339 in UTC (`2024-01-03T08:00:00Z`). By hand rather than with
/// chrono's and serde's `serde`/`rc` features: turning those on would make more task
/// values (an `Arc`, a `DateTime`) look as if they could cross to a process child.
pub(crate) fn instant<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

pub(crate) fn maybe_instant<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => instant(at, s),
        None => s.serialize_none(),
    }
}

impl Serialize for TaskStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        /// The task's parts side by side in one JSON object.
        #[derive(Serialize)]
        struct View<'a> {
            #[serde(flatten)]
            fixed: &'a TaskFixed,
            last: &'a Option<Last>,
            last_success: Option<String>,
            running: &'a [RunStatus],
            retry: &'a Option<RetryStatus>,
            #[serde(flatten)]
            outlook: &'a Outlook,
        }
        View {
            fixed: &self.fixed,
            last: &self.last,
            last_success: self
                .last_success
                .map(|at| at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            running: &self.running,
            retry: &self.retry,
            outlook: &self.outlook,
        }
        .serialize(s)
    }
}

impl Snapshot {
    /// A snapshot with no task, before the first publish.
    pub(crate) fn empty(live: bool) -> Snapshot {
        Snapshot {
            at: DateTime::<Utc>::UNIX_EPOCH,
            started: None,
            cycles: 0,
            zone: String::new(),
            log: String::new(),
            live,
            on_hold: false,
            tasks: Tasks::default(),
        }
    }

    /// The task named `name`.
    pub(crate) fn task(&self, name: &str) -> Option<&TaskStatus> {
        self.tasks.iter().find(|t| t.fixed.name == name)
    }
}

/// Where the loop leaves its latest snapshot.
pub(crate) struct Slot(Mutex<Arc<Snapshot>>);

impl Slot {
    pub(crate) fn new(live: bool) -> Slot {
        Slot(Mutex::new(Arc::new(Snapshot::empty(live))))
    }

    /// Replaces the snapshot (the lock is held for a pointer swap).
    pub(crate) fn publish(&self, snapshot: Snapshot) {
        let fresh = Arc::new(snapshot);
        let old = {
            let mut guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            std::mem::replace(&mut *guard, fresh)
        };
        // The old one is freed here, outside the lock (or by the last reader).
        drop(old);
    }

    /// The latest snapshot.
    pub(crate) fn read(&self) -> Arc<Snapshot> {
        Arc::clone(&self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
