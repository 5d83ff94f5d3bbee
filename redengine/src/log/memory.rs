//! [`MemoryLog`]: the task log kept in memory, for tests and throw-away runs.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{LogError, LogStore, RecordHead, TaskRecord};

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
    records: Arc<Mutex<Vec<TaskRecord>>>,
    /// The value JSON of each task's last `success` (`None`: it kept none), shared by
    /// clones like the records, so a second session on a clone restores them.
    values: Arc<Mutex<std::collections::HashMap<String, Option<String>>>>,
}

impl MemoryLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// A log that already holds `records`, as if an earlier run had written them.
    pub fn with_records(records: impl IntoIterator<Item = TaskRecord>) -> Self {
        MemoryLog {
            records: Arc::new(Mutex::new(records.into_iter().collect())),
            values: Arc::default(),
        }
    }

    /// A copy of every record, in the order they were appended.
    pub fn records(&self) -> Vec<TaskRecord> {
        self.lock().clone()
    }

    /// The records stay usable even if a thread panicked while holding the lock: appending
    /// to a `Vec` cannot leave it half-updated.
    fn lock(&self) -> MutexGuard<'_, Vec<TaskRecord>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl LogStore for MemoryLog {
    fn load(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        Ok(self.records())
    }

    /// Hands out the records in place, without copying them.
    fn load_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        let records = self.lock();
        records.iter().for_each(|r| visit(r.head()));
        Ok(records.len() as u64)
    }

    fn peek_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        self.load_heads(visit)
    }

    fn append(&mut self, record: &TaskRecord) -> Result<(), LogError> {
        self.lock().push(record.clone());
        Ok(())
    }

    fn sync(&mut self) -> Result<(), LogError> {
        Ok(())
    }

    fn append_value(&mut self, record: &TaskRecord, value: Option<&str>) -> Result<(), LogError> {
        self.append(record)?;
        if record.action == super::Action::Success {
            let mut values = self.values.lock().unwrap_or_else(PoisonError::into_inner);
            values.insert(record.task_name.clone(), value.map(str::to_owned));
        }
        Ok(())
    }

    fn keeps_values(&self) -> bool {
        true
    }

    fn load_values(&mut self, tasks: &[&str]) -> Result<Vec<(String, String)>, LogError> {
        let values = self.values.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(tasks
            .iter()
            .filter_map(|task| Some(((*task).to_owned(), values.get(*task)?.clone()?)))
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
        let records = self.lock();
        let mut kept: Vec<&TaskRecord> =
            records.iter().rev().filter(|r| query.matches(r)).collect();
        // Stable: records of one instant stay newest-written first.
        kept.sort_by_key(|r| std::cmp::Reverse(r.created));
        Ok(kept
            .into_iter()
            .skip(query.offset_count())
            .take(query.limit_count().unwrap_or(usize::MAX))
            .cloned()
            .collect())
    }

    fn prune(&mut self, cutoff: chrono::DateTime<chrono::Utc>) -> Result<u64, LogError> {
        let mut records = self.lock();
        let keep = super::kept(&records, cutoff);
        let before = records.len();
        let mut flags = keep.into_iter();
        records.retain(|_| flags.next().unwrap_or(true));
        Ok((before - records.len()) as u64)
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
