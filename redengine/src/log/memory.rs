//! [`MemoryLog`]: the task log kept in memory, for tests and throw-away runs.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use redengine_conditions::NameHasher;

use super::record::{is_status_message, status_message};
use super::{Action, LogError, LogStore, RecordHead, TaskRecord};

/// A task log that lives only as long as the process.
///
/// Clones share the same records, so a test can keep one handle, give a clone to the
/// session, and read what the scheduler wrote with [`MemoryLog::records`]. Records given
/// to [`MemoryLog::with_records`] play the part of an earlier run's log: `load` returns
/// them, as a CSV log returns its file.
///
/// ```
/// use redengine::log::{LogStore, MemoryLog, TaskRecord};
///
/// let log = MemoryLog::new();
/// let mut store = log.clone();
/// let at = chrono::DateTime::parse_from_rfc3339("2024-01-03T08:00:00+01:00").unwrap();
/// store.append(&TaskRecord::run("get_data", at)).unwrap();
/// assert_eq!(log.records().len(), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryLog {
    /// The records and the kept values, shared by clones.
    records: Arc<Mutex<Rows>>,
}

impl MemoryLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// A log that already holds `records`, as if an earlier run had written them.
    pub fn with_records(records: impl IntoIterator<Item = TaskRecord>) -> Self {
        let mut rows = Rows::default();
        for record in records {
            rows.push(&record);
        }
        MemoryLog {
            records: Arc::new(Mutex::new(rows)),
        }
    }

    /// A copy of every record, in the order they were appended.
    pub fn records(&self) -> Vec<TaskRecord> {
        let rows = self.lock();
        rows.rows.iter().map(|row| rows.record(row)).collect()
    }

    /// The records stay usable even if a thread panicked while holding the lock: appending
    /// to a `Vec` cannot leave it half-updated.
    fn lock(&self) -> MutexGuard<'_, Rows> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

// perf (memory): a `TaskRecord` is 144 bytes with its own copies of the task's name and of
// a status line that says nothing the action does not; kept as `TaskRecord`s, a record of
// the memory log cost about 300 bytes. A row keeps what a record says, once.
/// The records of a memory log: each task's name once, and per record a [`Row`].
#[derive(Debug, Default)]
struct Rows {
    names: Vec<Arc<str>>,
    // perfspeed: every record looks its task up here; FNV-1a on a short name is a fraction
    // of SipHash's cost (names are the program's, not a network peer's).
    index: HashMap<Arc<str>, u32, BuildHasherDefault<NameHasher>>,
    rows: Vec<Row>,
    /// The task of the record appended last: a run's finish mostly follows its `run`
    /// record, and a long-lived scheduler writes one task's records in a row, so it is
    /// compared first (perfspeed: a name comparison instead of a hash and a probe).
    last: u32,
    /// The value JSON of each task whose last `success` kept one, shared by clones like
    /// the records, so a second session on a clone restores them. Under the records' lock
    /// (perfspeed: a `success` took a second lock for it).
    // perf (memory): a success without a value removes the task's entry rather than
    // keeping one that says "none" (a slot and a copy of the name for every task that ran).
    values: HashMap<String, String>,
}

/// One record: its task as an index into [`Rows::names`], its text only when it has one
/// of its own.
#[derive(Debug)]
struct Row {
    task: u32,
    action: Action,
    attempt: u32,
    created: DateTime<FixedOffset>,
    start: Option<DateTime<FixedOffset>>,
    end: Option<DateTime<FixedOffset>>,
    runtime: Option<Duration>,
    text: Option<Box<Text>>,
}

/// A record's message when it is not the standard status line, and its failure text.
#[derive(Debug)]
struct Text {
    message: Option<Box<str>>,
    exc_text: Box<str>,
}

impl Rows {
    fn push(&mut self, record: &TaskRecord) {
        let same = self
            .names
            .get(self.last as usize)
            .is_some_and(|n| **n == *record.task_name);
        let found = if same {
            Some(self.last)
        } else {
            self.index.get(record.task_name.as_str()).copied()
        };
        let task = match found {
            Some(i) => i,
            None => {
                let name: Arc<str> = Arc::from(record.task_name.as_str());
                let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
                self.names.push(Arc::clone(&name));
                self.index.insert(name, i);
                i
            }
        };
        self.last = task;
        let standard = is_status_message(&record.message, &record.task_name, record.action);
        let text = (!standard || !record.exc_text.is_empty()).then(|| {
            Box::new(Text {
                message: (!standard).then(|| record.message.as_str().into()),
                exc_text: record.exc_text.as_str().into(),
            })
        });
        self.rows.push(Row {
            task,
            action: record.action,
            attempt: record.attempt,
            created: record.created,
            start: record.start,
            end: record.end,
            runtime: record.runtime,
            text,
        });
    }

    fn name(&self, row: &Row) -> &str {
        self.names.get(row.task as usize).map_or("", |n| n)
    }

    /// The record `row` keeps, as it was appended.
    fn record(&self, row: &Row) -> TaskRecord {
        let name = self.name(row);
        let message = match row.text.as_ref().and_then(|t| t.message.as_deref()) {
            Some(message) => message.to_string(),
            None => status_message(name, row.action),
        };
        TaskRecord {
            task_name: name.to_string(),
            created: row.created,
            action: row.action,
            start: row.start,
            end: row.end,
            runtime: row.runtime,
            message,
            exc_text: row
                .text
                .as_ref()
                .map(|t| t.exc_text.to_string())
                .unwrap_or_default(),
            attempt: row.attempt,
        }
    }

    /// What the history needs of `row`, borrowed from the rows.
    fn head<'a>(&'a self, row: &Row) -> RecordHead<'a> {
        let message = row.text.as_ref().and_then(|t| t.message.as_deref());
        RecordHead {
            task_name: self.name(row),
            action: row.action,
            created: row.created,
            start: row.start,
            attempt: row.attempt,
            // The standard status line carries no attempt suffix.
            retry_at: message.and_then(|m| RecordHead::attempt_in(m).1),
        }
    }
}

impl LogStore for MemoryLog {
    fn load(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        Ok(self.records())
    }

    /// Hands out the records in place, without copying them.
    fn load_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        let rows = self.lock();
        rows.rows.iter().for_each(|row| visit(rows.head(row)));
        Ok(rows.rows.len() as u64)
    }

    fn peek_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        self.load_heads(visit)
    }

    fn append(&mut self, record: &TaskRecord) -> Result<(), LogError> {
        self.lock().push(record);
        Ok(())
    }

    fn sync(&mut self) -> Result<(), LogError> {
        Ok(())
    }

    fn append_value(&mut self, record: &TaskRecord, value: Option<&str>) -> Result<(), LogError> {
        let mut rows = self.lock();
        rows.push(record);
        if record.action == super::Action::Success {
            let values = &mut rows.values;
            match value {
                Some(value) => {
                    values.insert(record.task_name.clone(), value.to_owned());
                }
                // perfspeed: most tasks return nothing, and most logs then keep no value:
                // no name to hash.
                None if values.is_empty() => {}
                None => {
                    values.remove(&record.task_name);
                }
            }
        }
        Ok(())
    }

    fn keeps_values(&self) -> bool {
        true
    }

    fn load_values(&mut self, tasks: &[&str]) -> Result<Vec<(String, String)>, LogError> {
        let rows = self.lock();
        let values = &rows.values;
        Ok(tasks
            .iter()
            .filter_map(|task| Some(((*task).to_owned(), values.get(*task)?.clone())))
            .collect())
    }

    fn describe(&self) -> String {
        "in-memory log".to_owned()
    }

    fn reader(&self) -> Option<Box<dyn LogStore>> {
        Some(Box::new(self.clone()))
    }

    /// status: filters in place and copies only the answer (as `HistoryQuery::answer` over
    /// a copy would give), so a reader on another thread (the status page's history)
    /// holds the lock the scheduler appends under for a scan, not for a copy of every
    /// record.
    fn history(&mut self, query: &super::HistoryQuery) -> Result<Vec<TaskRecord>, LogError> {
        let rows = self.lock();
        let mut kept: Vec<&Row> = rows
            .rows
            .iter()
            .rev()
            .filter(|r| query.matches_parts(rows.name(r), r.action, r.created))
            .collect();
        // Stable: records of one instant stay newest-written first.
        kept.sort_by_key(|r| std::cmp::Reverse(r.created));
        Ok(kept
            .into_iter()
            .skip(query.offset_count())
            .take(query.limit_count().unwrap_or(usize::MAX))
            .map(|r| rows.record(r))
            .collect())
    }

    fn prune(&mut self, cutoff: chrono::DateTime<chrono::Utc>) -> Result<u64, LogError> {
        let mut rows = self.lock();
        // Read from the rows themselves: a record of each (two strings) every 1,000
        // records written made a retained memory log many times slower.
        let keep = super::retention::kept_by(
            &rows.rows,
            cutoff,
            |row| (row.task, row.action),
            |row| row.created.with_timezone(&chrono::Utc),
        );
        let before = rows.rows.len();
        let mut flags = keep.into_iter();
        rows.rows.retain(|_| flags.next().unwrap_or(true));
        Ok((before - rows.rows.len()) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::Action;

    fn at(s: &str) -> chrono::DateTime<chrono::FixedOffset> {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn clones_share_records() {
        let log = MemoryLog::new();
        let mut store: Box<dyn LogStore> = Box::new(log.clone());
        let start = at("2024-01-03T08:00:00Z");
        store.append(&TaskRecord::run("a", start)).unwrap();
        store
            .append(&TaskRecord::finish("a", Action::Success, start, start, ""))
            .unwrap();
        store.sync().unwrap();
        let actions: Vec<_> = log.records().iter().map(|r| r.action).collect();
        assert_eq!(actions, [Action::Run, Action::Success]);
        assert_eq!(store.load().unwrap(), log.records());
        assert_eq!(store.describe(), "in-memory log");
    }

    #[test]
    fn a_success_without_a_value_forgets_the_last_value() {
        let mut log = MemoryLog::new();
        let t = at("2024-01-03T08:00:00Z");
        let success = |task| TaskRecord::finish(task, Action::Success, t, t, "");
        log.append_value(&success("a"), Some("1")).unwrap();
        log.append_value(&success("b"), Some("2")).unwrap();
        log.append_value(&success("a"), None).unwrap();
        log.append_value(&success("c"), None).unwrap();
        let values = log.load_values(&["a", "b", "c"]).unwrap();
        assert_eq!(values, [("b".to_string(), "2".to_string())]);
        // A clone (a second session's log) sees the same values.
        assert_eq!(log.clone().load_values(&["a", "b", "c"]).unwrap(), values);
        // A later failure keeps the value of the last success.
        let fail = TaskRecord::finish("b", Action::Fail, t, t, "boom");
        log.append_value(&fail, None).unwrap();
        assert_eq!(log.load_values(&["b"]).unwrap().len(), 1);
    }

    #[test]
    fn every_kind_of_record_reads_back_as_appended() {
        let start = at("2024-01-03T08:00:00+02:00");
        let end = at("2024-01-03T08:00:01.5+02:00");
        let retry = at("2024-01-03T08:05:00+02:00");
        let mut custom = TaskRecord::run("b", start);
        custom.message = "Task 'a' status: 'run'".to_string(); // another task's line
        let records = vec![
            TaskRecord::run("a", start),
            TaskRecord::finish("a", Action::Fail, start, end, "boom\ncaused by: io"),
            TaskRecord::finish("a", Action::Success, start, end, "").with_attempt(2, 3, None),
            TaskRecord::finish("it's", Action::Fail, start, end, "x").with_attempt(
                1,
                3,
                Some(retry),
            ),
            TaskRecord::terminate("a", "timeout", start, end),
            TaskRecord::crash("a", start, end),
            custom,
        ];
        let mut log = MemoryLog::new();
        for r in &records {
            log.append(r).unwrap();
        }
        assert_eq!(log.records(), records);
        let mut heads = Vec::new();
        log.load_heads(&mut |h| heads.push((h.task_name.to_owned(), h.attempt, h.retry_at)))
            .unwrap();
        let expected: Vec<_> = records
            .iter()
            .map(|r| {
                let h = r.head();
                (h.task_name.to_owned(), h.attempt, h.retry_at)
            })
            .collect();
        assert_eq!(heads, expected);
        assert_eq!(heads[3].2, Some(retry));
    }

    #[test]
    fn records_of_tasks_in_turn_keep_their_task() {
        let t = at("2024-01-03T08:00:00Z");
        let names = ["a", "b", "b", "a", "c", "a", "a", "b"];
        let mut log = MemoryLog::new();
        for name in names {
            log.append(&TaskRecord::run(name, t)).unwrap();
        }
        let read: Vec<_> = log.records().into_iter().map(|r| r.task_name).collect();
        assert_eq!(read, names);
        let mut seeded = MemoryLog::with_records(log.records());
        let loaded: Vec<_> = seeded
            .load()
            .unwrap()
            .into_iter()
            .map(|r| (r.task_name, r.message))
            .collect();
        let expected: Vec<_> = names
            .iter()
            .map(|n| (n.to_string(), format!("Task '{n}' status: 'run'")))
            .collect();
        assert_eq!(loaded, expected);
    }

    #[test]
    fn seeded_records_are_loaded() {
        let run = TaskRecord::run("a", at("2024-01-03T08:00:00Z"));
        let mut log = MemoryLog::with_records([run.clone()]);
        assert_eq!(log.load().unwrap(), std::slice::from_ref(&run));
        let mut heads = Vec::new();
        let count = log
            .load_heads(&mut |h| heads.push((h.task_name.to_owned(), h.action)))
            .unwrap();
        assert_eq!((count, heads), (1, vec![("a".to_owned(), Action::Run)]));
    }
}
