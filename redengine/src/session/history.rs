//! The history API: what ran, when, and how, read from the session's log by a program.

use std::sync::{MutexGuard, PoisonError};

use super::Session;
use crate::error::Result;
use crate::handle::SessionHandle;
use crate::log::{HistoryQuery, LogStore, TaskRecord};

impl Session {
    /// The records of the session's log that `query` asks for, newest first: runs of a
    /// task or of all tasks, in a time range, with outcome filters, one page at a time.
    /// Every store gives the same answer; reading takes no lock, so it works while a
    /// scheduler (this one or another process) appends.
    ///
    /// ```
    /// use redengine::log::HistoryQuery;
    /// use redengine::{Execution, Session, Task};
    ///
    /// let mut session = Session::builder()
    ///     .log_memory()
    ///     .task_execution(Execution::Main)
    ///     .shut_cond("scheduler has more than 1 cycles")
    ///     .task(Task::builder("get_data").start_cond("true").run(|_| ()))
    ///     .build()?;
    /// session.run()?;
    /// let last = session.history(&HistoryQuery::new().task("get_data").finished().limit(1))?;
    /// assert_eq!(last[0].action, redengine::Action::Success);
    /// # Ok::<(), redengine::Error>(())
    /// ```
    pub fn history(&mut self, query: &HistoryQuery) -> Result<Vec<TaskRecord>> {
        Ok(self.store.history(query)?)
    }

    /// The latest record of each task in the log (its last run's finish, or its `run`
    /// record while it runs), newest first.
    pub fn last_runs(&mut self) -> Result<Vec<TaskRecord>> {
        Ok(self.store.last_records()?)
    }

    /// Points `SessionHandle::history` at the current store (after the store changed).
    pub(crate) fn refresh_log_reader(&mut self) {
        *reader(&self.handle()) = self.store.reader();
    }
}

fn reader(handle: &SessionHandle) -> MutexGuard<'_, Option<Box<dyn LogStore>>> {
    handle
        .control
        .log_reader
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

impl SessionHandle {
    /// [`Session::history`], from another thread, a hook or a task while the scheduler
    /// runs. A custom store that gives no reading handle
    /// ([`LogStore::reader`]) answers with no records.
    pub fn history(&self, query: &HistoryQuery) -> Result<Vec<TaskRecord>> {
        match reader(self).as_mut() {
            Some(store) => Ok(store.history(query)?),
            None => Ok(Vec::new()),
        }
    }

    /// [`Session::last_runs`], from another thread, a hook or a task.
    pub fn last_runs(&self) -> Result<Vec<TaskRecord>> {
        match reader(self).as_mut() {
            Some(store) => Ok(store.last_records()?),
            None => Ok(Vec::new()),
        }
    }
}
