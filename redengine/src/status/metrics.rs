//! Prometheus metrics at `/metrics` (docs/status.md, "Metrics").
//!
//! Counters come from the records the scheduler writes: the session's store is wrapped
//! in a [`CountingStore`] that counts each record on its way to the log (and each append
//! that failed), so a counter can only agree with the log. Gauges (running runs, live
//! child processes, last success, cycles) are read from the published snapshot at each
//! scrape.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::snapshot::Snapshot;
use crate::log::{Action, Compacted, HistoryQuery, LogError, LogStore, RecordHead, TaskRecord};

type Labels = Vec<(String, String)>;

/// Run durations, in seconds: from a tenth of a second to a day.
const BUCKETS: [f64; 12] = [
    0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0, 86400.0,
];

/// The counters the store wrapper feeds (shared by every clone).
#[derive(Clone)]
pub(crate) struct Metrics {
    runs: Family<Labels, Counter>,
    durations: Family<Labels, Histogram>,
    append_errors: Counter,
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        Metrics {
            runs: Family::default(),
            durations: Family::new_with_constructor(|| Histogram::new(BUCKETS)),
            append_errors: Counter::default(),
        }
    }

    /// Counts one record the scheduler wrote (`run` records are not runs finished).
    fn count(&self, record: &TaskRecord) {
        if record.action == Action::Run {
            return;
        }
        let labels = vec![
            ("task".to_string(), record.task_name.clone()),
            ("outcome".to_string(), record.action.as_str().to_string()),
        ];
        self.runs.get_or_create(&labels).inc();
        let seconds = record.runtime.map(|d| d.as_secs_f64()).or_else(|| {
            let start = record.start?;
            Some((record.created - start).as_seconds_f64().max(0.0))
        });
        if let Some(seconds) = seconds {
            self.durations
                .get_or_create(&vec![("task".to_string(), record.task_name.clone())])
                .observe(seconds);
        }
    }

    /// The exposition text: the counters, and gauges from `snap`.
    pub(crate) fn render(&self, snap: &Snapshot) -> String {
        let mut registry = Registry::with_prefix("redengine");
        registry.register(
            "task_runs",
            "Finished runs by task and outcome, as written to the log",
            self.runs.clone(),
        );
        registry.register(
            "task_run_duration_seconds",
            "How long finished runs took",
            self.durations.clone(),
        );
        registry.register(
            "log_append_errors",
            "Records the log store failed to append",
            self.append_errors.clone(),
        );
        let running: Family<Labels, Gauge> = Family::default();
        let last_success: Family<Labels, Gauge<f64, std::sync::atomic::AtomicU64>> =
            Family::default();
        let mut children = 0_i64;
        for task in &snap.tasks {
            let labels = vec![("task".to_string(), task.fixed.name.clone())];
            running
                .get_or_create(&labels)
                .set(i64::try_from(task.running.len()).unwrap_or(i64::MAX));
            if task.fixed.execution == "process" {
                children += i64::try_from(task.running.len()).unwrap_or(0);
            }
            if let Some(at) = task.last_success {
                last_success.get_or_create(&labels).set(unix(at));
            }
        }
        registry.register("running_runs", "Runs in flight by task", running);
        registry.register(
            "task_last_success_timestamp_seconds",
            "When each task last succeeded (Unix time)",
            last_success,
        );
        let live: Gauge = Gauge::default();
        live.set(children);
        registry.register("live_child_processes", "Process-task children alive", live);
        let cycles: Gauge = Gauge::default();
        cycles.set(i64::try_from(snap.cycles).unwrap_or(i64::MAX));
        registry.register("scheduler_cycles", "Scheduler cycles done", cycles);
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &registry);
        out
    }
}

fn unix(at: DateTime<Utc>) -> f64 {
    at.timestamp_millis() as f64 / 1000.0
}

/// The session's store, counting each record it appends for [`Metrics`].
pub(crate) struct CountingStore {
    pub(crate) inner: Box<dyn LogStore>,
    pub(crate) metrics: Arc<Metrics>,
    /// The names of the tasks with records appended since the last publish: the tasks
    /// whose status the next snapshot builds again. Only the loop's thread locks it.
    pub(crate) touched: Arc<std::sync::Mutex<Vec<String>>>,
}

impl CountingStore {
    fn counted(&self, record: &TaskRecord, result: Result<(), LogError>) -> Result<(), LogError> {
        match &result {
            Ok(()) => {
                self.metrics.count(record);
                self.touched
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(record.task_name.clone());
            }
            Err(_) => {
                self.metrics.append_errors.inc();
            }
        }
        result
    }
}

impl LogStore for CountingStore {
    fn load(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        self.inner.load()
    }
    fn load_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        self.inner.load_heads(visit)
    }
    fn peek_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        self.inner.peek_heads(visit)
    }
    fn peek(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        self.inner.peek()
    }
    fn append(&mut self, record: &TaskRecord) -> Result<(), LogError> {
        let result = self.inner.append(record);
        self.counted(record, result)
    }
    fn sync(&mut self) -> Result<(), LogError> {
        self.inner.sync()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn append_value(&mut self, record: &TaskRecord, value: Option<&str>) -> Result<(), LogError> {
        let result = self.inner.append_value(record, value);
        self.counted(record, result)
    }
    fn keeps_values(&self) -> bool {
        self.inner.keeps_values()
    }
    fn load_values(&mut self, tasks: &[&str]) -> Result<Vec<(String, String)>, LogError> {
        self.inner.load_values(tasks)
    }
    fn history(&mut self, query: &HistoryQuery) -> Result<Vec<TaskRecord>, LogError> {
        self.inner.history(query)
    }
    fn last_records(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        self.inner.last_records()
    }
    fn reader(&self) -> Option<Box<dyn LogStore>> {
        self.inner.reader()
    }
    fn prune(&mut self, cutoff: DateTime<Utc>) -> Result<u64, LogError> {
        self.inner.prune(cutoff)
    }
    fn compact(&mut self, cutoff: DateTime<Utc>) -> Result<Compacted, LogError> {
        self.inner.compact(cutoff)
    }
    fn append_all(&mut self, records: &[TaskRecord]) -> Result<(), LogError> {
        let result = self.inner.append_all(records);
        match &result {
            Ok(()) => records.iter().for_each(|r| self.metrics.count(r)),
            Err(_) => {
                self.metrics.append_errors.inc();
            }
        }
        result
    }
}
