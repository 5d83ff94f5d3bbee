//! [`HistoryQuery`]: which runs a program (or the `history` command) asks a log for.

use chrono::{DateTime, FixedOffset, Utc};

use super::{Action, TaskRecord};

/// A question to a task log: the records of some tasks, in a time range, with some
/// actions, newest first, one page at a time.
///
/// Every store answers it the same way ([`LogStore::history`](super::LogStore::history)):
/// the records whose task is one of [`tasks`](HistoryQuery::task) (all when none is
/// given), whose `created` instant is at or after `since` and before `until`, and whose
/// action is one of the [`actions`](HistoryQuery::action) (all when none is given),
/// ordered newest first (later `created` first; records made at the same instant in the
/// reverse of the order they were written), then `offset` skipped and at most `limit`
/// kept.
///
/// ```
/// use redengine::log::{Action, HistoryQuery};
///
/// let failures = HistoryQuery::new().task("get_data").failed().limit(20);
/// assert!(failures.actions().contains(&Action::Crash));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    tasks: Vec<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    actions: Vec<Action>,
    limit: Option<usize>,
    offset: usize,
}

/// The actions of runs that did not go well: `fail`, `terminate` and `crash`.
pub const FAILED: [Action; 3] = [Action::Fail, Action::Terminate, Action::Crash];

impl HistoryQuery {
    /// Every record of every task, newest first.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only records of `task` (call again for more tasks).
    pub fn task(mut self, task: impl Into<String>) -> Self {
        self.tasks.push(task.into());
        self
    }

    /// Only records made at or after `at`.
    pub fn since(mut self, at: DateTime<Utc>) -> Self {
        self.since = Some(at);
        self
    }

    /// Only records made before `at`.
    pub fn until(mut self, at: DateTime<Utc>) -> Self {
        self.until = Some(at);
        self
    }

    /// Only records with `action` (call again for more actions).
    pub fn action(mut self, action: Action) -> Self {
        if !self.actions.contains(&action) {
            self.actions.push(action);
        }
        self
    }

    /// Only the records of runs that did not go well: `fail`, `terminate`, `crash`.
    pub fn failed(self) -> Self {
        FAILED.into_iter().fold(self, Self::action)
    }

    /// Only the finish records: every action but `run`.
    pub fn finished(self) -> Self {
        Action::ALL
            .into_iter()
            .filter(|a| *a != Action::Run)
            .fold(self, Self::action)
    }

    /// At most `limit` records.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Skips the first `offset` records (the pages before this one).
    pub fn offset(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }

    /// The tasks asked about (empty: all).
    pub fn tasks(&self) -> &[String] {
        &self.tasks
    }

    /// The actions asked about (empty: all).
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The start of the time range, inclusive.
    pub fn since_at(&self) -> Option<DateTime<Utc>> {
        self.since
    }

    /// The end of the time range, exclusive.
    pub fn until_at(&self) -> Option<DateTime<Utc>> {
        self.until
    }

    /// The page size, if any.
    pub fn limit_count(&self) -> Option<usize> {
        self.limit
    }

    /// The records skipped before the page.
    pub fn offset_count(&self) -> usize {
        self.offset
    }

    /// Whether `record` is one the query asks for (before ordering and paging).
    pub fn matches(&self, record: &TaskRecord) -> bool {
        self.matches_parts(&record.task_name, record.action, record.created)
    }

    /// [`HistoryQuery::matches`] on the parts of a record it reads, for a store that keeps
    /// records in a form of its own.
    pub(crate) fn matches_parts(
        &self,
        task: &str,
        action: Action,
        created: DateTime<FixedOffset>,
    ) -> bool {
        let created = created.with_timezone(&Utc);
        (self.tasks.is_empty() || self.tasks.iter().any(|t| t == task))
            && (self.actions.is_empty() || self.actions.contains(&action))
            && self.since.is_none_or(|s| created >= s)
            && self.until.is_none_or(|u| created < u)
    }

    /// The answer from every record of a log, in the order they were written: the
    /// default of [`LogStore::history`](super::LogStore::history).
    pub fn answer(&self, records: Vec<TaskRecord>) -> Vec<TaskRecord> {
        let mut kept: Vec<TaskRecord> = records
            .into_iter()
            .rev()
            .filter(|r| self.matches(r))
            .collect();
        // Stable: records of one instant stay newest-written first.
        kept.sort_by_key(|r| std::cmp::Reverse(r.created));
        kept.into_iter()
            .skip(self.offset)
            .take(self.limit.unwrap_or(usize::MAX))
            .collect()
    }
}

/// The latest record of each task, newest first: from the records of a log in the order
/// they were written (the default of
/// [`LogStore::last_records`](super::LogStore::last_records)).
pub fn last_of_each(records: Vec<TaskRecord>) -> Vec<TaskRecord> {
    let mut seen = std::collections::HashSet::new();
    let mut last: Vec<TaskRecord> = records
        .into_iter()
        .rev()
        .filter(|r| seen.insert(r.task_name.clone()))
        .collect();
    last.sort_by_key(|r| std::cmp::Reverse(r.created));
    last
}
