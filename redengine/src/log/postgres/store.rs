//! [`PostgresLog`]: the store and its connections (the leadership: `leadership.rs`).

use std::collections::HashMap;
use std::time::Duration;

use postgres::Client;

use super::{rows, schema};
use crate::log::error::{LogError, LogErrorKind};
use crate::log::{Action, HistoryQuery, LogStore, RecordHead, TaskRecord};

/// The session-scoped advisory lock the leading scheduler holds ("redeng" in ASCII): one
/// scheduler cluster per database.
pub const LEADER_KEY: i64 = 0x7265_6465_6e67;

/// How long a standby may take to notice a dead leader and lead, by default.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(10);

/// The task log in a PostgreSQL database, and the leadership of a scheduler cluster.
///
/// * **Schema.** `redengine_schema_version`, `redengine_records` (the SQLite log's
///   columns), the workers' queue and the leadership epoch, created and migrated forward
///   by the program under an advisory lock, never downgraded. A database written by a
///   newer redengine is refused.
/// * **One writer: the leader.** The scheduler's start-up takes the session-scoped
///   advisory lock [`LEADER_KEY`] on the very connection every record is written through.
///   While another scheduler holds it, this one waits as a standby, trying again every
///   fifth of the [lease](PostgresLog::lease); when the leader's connection ends (its
///   process died, or the server ended the connection), PostgreSQL releases the lock and
///   a standby leads, reads the history back and closes the dead leader's open runs as
///   `crash`.
/// * **Fencing.** The lock and the writes share one connection, and a lost connection is
///   never reopened: a leader that lost its lock cannot write the `run` record that must
///   precede every launch, so it cannot launch anything (its scheduler stops with the
///   error). On top of that, each node that takes the leadership increments the
///   leadership epoch (`redengine_leadership`), and every record and queued run carries
///   the check that its writer's epoch is still the current one, ordered against the
///   increment by a share lock: a write of a superseded leader, on whatever connection,
///   is refused, and workers claim only runs of the current epoch.
/// * **Readers.** [`LogStore::peek`] and the history queries use a connection of their
///   own without the lock: `list`, `check` and `history` work from any node.
/// * **Return values** are kept like the SQLite log's.
///
/// Nothing connects until the first read or append.
///
/// ```
/// use redengine::log::{LogStore, PostgresLog};
///
/// let log = PostgresLog::new("postgres://sched:secret@db.example/jobs");
/// assert_eq!(log.describe(), "PostgreSQL log at postgres://sched@db.example/jobs");
/// ```
pub struct PostgresLog {
    pub(super) url: String,
    /// The URL without its password, for messages.
    pub(super) shown: String,
    /// The writing connection, holding the leadership lock.
    pub(super) client: Option<Client>,
    /// The reading connection (no lock).
    pub(super) reader: Option<Client>,
    /// The id of each open run this store appended.
    pub(super) open_runs: HashMap<String, i64>,
    /// `hostname:pid`, written with every record and shown as the connection's
    /// `application_name` (so `status` and `pg_stat_activity` name the leader).
    pub(super) node: String,
    pub(super) lease: Duration,
    /// Whether start-up waits for the leadership (a standby) instead of failing.
    pub(super) standby: bool,
    /// When the leader's connection last answered a heartbeat.
    pub(super) checked: Option<std::time::Instant>,
    /// The leadership epoch this node leads in (0 until it leads).
    pub(super) epoch: i64,
}

impl std::fmt::Debug for PostgresLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresLog")
            .field("url", &self.shown)
            .field("node", &self.node)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl PostgresLog {
    /// A PostgreSQL log at `url` (`postgres://user:password@host:port/database`). A
    /// scheduler on it waits as a standby while another leads.
    pub fn new(url: impl Into<String>) -> Self {
        let url = url.into();
        PostgresLog {
            shown: redact(&url),
            url,
            client: None,
            reader: None,
            open_runs: HashMap::new(),
            node: crate::log::columns::node(),
            lease: DEFAULT_LEASE,
            standby: true,
            checked: None,
            epoch: 0,
        }
    }

    /// How long a standby may take to take over from a leader that died (default
    /// [`DEFAULT_LEASE`]): standbys try the lock every fifth of it, and the server's TCP
    /// keepalives end a silent leader's connection within about it.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(100));
        self
    }

    /// Whether the scheduler's start-up waits while another scheduler leads (default
    /// `true`); `false` fails at once with [`LogErrorKind::Locked`].
    pub fn standby(mut self, wait: bool) -> Self {
        self.standby = wait;
        self
    }

    /// The URL as messages show it (no password).
    pub fn shown_url(&self) -> &str {
        &self.shown
    }

    /// This process's node name (`hostname:pid`).
    pub fn node(&self) -> &str {
        &self.node
    }

    pub(super) fn err(&self, kind: LogErrorKind, e: postgres::Error) -> LogError {
        LogError::postgres(&self.shown, kind, e)
    }

    /// The writing connection, opened (without waiting) if needed; an error once it was
    /// lost, as a lost connection is a lost leadership.
    fn writer(&mut self) -> Result<&mut Client, LogError> {
        if self.client.is_none() {
            self.open(false)?;
        }
        let client = self.client.as_mut().expect("opened above");
        if client.is_closed() {
            return Err(LogError::postgres_kind(
                &self.shown,
                LogErrorKind::LostLeadership,
            ));
        }
        Ok(client)
    }

    /// The reading connection; `None` while the database has no redengine tables.
    fn reading(&mut self) -> Result<Option<&mut Client>, LogError> {
        if self.reader.as_ref().is_none_or(Client::is_closed) {
            self.reader = Some(self.connect("reader")?);
        }
        let client = self.reader.as_mut().expect("connected above");
        match schema::version(client) {
            Ok(Ok(0)) => Ok(None),
            Ok(Ok(v)) if v > schema::VERSION => Err(LogError::postgres_kind(
                &self.shown,
                LogErrorKind::NewerSchema {
                    found: v,
                    known: schema::VERSION,
                },
            )),
            Ok(Ok(_)) => Ok(self.reader.as_mut()),
            Ok(Err(found)) => Err(LogError::postgres_kind(
                &self.shown,
                LogErrorKind::NotATaskLog { found },
            )),
            Err(e) => Err(LogError::postgres(&self.shown, LogErrorKind::Read, e)),
        }
    }

    /// A write failed: a closed connection is a lost leadership.
    fn write_err(&self, e: postgres::Error) -> LogError {
        // A FATAL (or PANIC) error is the server ending the session, sent as the answer
        // to the query in flight: the client sees the connection closed only after it.
        let ended = e.as_db_error().is_some_and(|d| {
            matches!(
                d.parsed_severity(),
                Some(postgres::error::Severity::Fatal | postgres::error::Severity::Panic)
            )
        });
        if ended || e.is_closed() || self.client.as_ref().is_some_and(Client::is_closed) {
            LogError::postgres(&self.shown, LogErrorKind::LostLeadership, e)
        } else {
            LogError::postgres(&self.shown, LogErrorKind::Write, e)
        }
    }
}

/// The URL without its password.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((auth, host)) => (Some(auth), host),
        None => (None, rest),
    };
    match auth {
        Some(auth) => {
            let user = auth.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_owned(),
    }
}

impl LogStore for PostgresLog {
    fn load(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        self.writer()?;
        let client = self.client.as_mut().expect("opened above");
        rows::all(client).map_err(|e| LogError::postgres(&self.shown, LogErrorKind::Read, e))
    }

    /// The scheduler's start-up: waits for the leadership as a standby, then reads.
    fn load_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        if self.client.is_none() {
            self.open(self.standby)?;
        }
        self.writer()?;
        let client = self.client.as_mut().expect("opened above");
        rows::each_head(client, visit)
            .map_err(|e| LogError::postgres(&self.shown, LogErrorKind::Read, e))
    }

    fn peek(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        let shown = self.shown.clone();
        match self.reading()? {
            Some(client) => {
                rows::all(client).map_err(|e| LogError::postgres(&shown, LogErrorKind::Read, e))
            }
            None => Ok(Vec::new()),
        }
    }

    fn peek_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        let shown = self.shown.clone();
        match self.reading()? {
            Some(client) => rows::each_head(client, visit)
                .map_err(|e| LogError::postgres(&shown, LogErrorKind::Read, e)),
            None => Ok(0),
        }
    }

    fn append(&mut self, record: &TaskRecord) -> Result<(), LogError> {
        self.append_value(record, None)
    }

    fn append_value(&mut self, record: &TaskRecord, value: Option<&str>) -> Result<(), LogError> {
        self.writer()?;
        let client = self.client.as_mut().expect("opened above");
        let run_id = if record.action == Action::Run {
            None
        } else {
            match self.open_runs.get(&record.task_name) {
                Some(&run) => Some(run),
                None => match rows::last_run(client, &record.task_name) {
                    Ok(run) => run,
                    Err(e) => return Err(self.write_err(e)),
                },
            }
        };
        let client = self.client.as_mut().expect("opened above");
        let id = match rows::insert(client, record, run_id, &self.node, value, self.epoch) {
            Ok(Some(id)) => id,
            Ok(None) => return Err(self.fenced()),
            Err(e) => return Err(self.write_err(e)),
        };
        if record.action == Action::Run {
            self.open_runs.insert(record.task_name.clone(), id);
        } else {
            self.open_runs.remove(&record.task_name);
        }
        Ok(())
    }

    fn keeps_values(&self) -> bool {
        true
    }

    fn load_values(&mut self, tasks: &[&str]) -> Result<Vec<(String, String)>, LogError> {
        self.writer()?;
        let client = self.client.as_mut().expect("opened above");
        rows::last_values(client, tasks)
            .map_err(|e| LogError::postgres(&self.shown, LogErrorKind::Read, e))
    }

    /// Every append is a committed transaction, durable on the server once it returns.
    fn sync(&mut self) -> Result<(), LogError> {
        Ok(())
    }

    fn describe(&self) -> String {
        format!("PostgreSQL log at {}", self.shown)
    }

    fn history(&mut self, query: &HistoryQuery) -> Result<Vec<TaskRecord>, LogError> {
        let shown = self.shown.clone();
        match self.reading()? {
            Some(client) => rows::history(client, query)
                .map_err(|e| LogError::postgres(&shown, LogErrorKind::Read, e)),
            None => Ok(Vec::new()),
        }
    }

    fn last_records(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        let shown = self.shown.clone();
        match self.reading()? {
            Some(client) => rows::last_records(client)
                .map_err(|e| LogError::postgres(&shown, LogErrorKind::Read, e)),
            None => Ok(Vec::new()),
        }
    }

    fn reader(&self) -> Option<Box<dyn LogStore>> {
        Some(Box::new(
            PostgresLog::new(self.url.clone()).lease(self.lease),
        ))
    }

    fn prune(&mut self, cutoff: chrono::DateTime<chrono::Utc>) -> Result<u64, LogError> {
        self.writer()?;
        let client = self.client.as_mut().expect("opened above");
        match rows::prune(client, cutoff.timestamp_micros()) {
            Ok(n) => Ok(n),
            Err(e) => Err(self.write_err(e)),
        }
    }

    /// A leader checks its lock connection every fifth of the lease: a connection the
    /// server ended (`pg_terminate_backend`, a restart) fails here, before the next cycle
    /// launches anything.
    fn heartbeat(&mut self) -> Result<Option<Duration>, LogError> {
        let every = self.lease / 5;
        let Some(client) = self.client.as_mut() else {
            return Ok(None);
        };
        if client.is_closed() {
            return Err(LogError::postgres_kind(
                &self.shown,
                LogErrorKind::LostLeadership,
            ));
        }
        if self.checked.is_some_and(|at| at.elapsed() < every) {
            return Ok(Some(every));
        }
        if let Err(e) = client.simple_query("SELECT 1") {
            return Err(LogError::postgres(
                &self.shown,
                LogErrorKind::LostLeadership,
                e,
            ));
        }
        self.checked = Some(std::time::Instant::now());
        Ok(Some(every))
    }

    /// One transaction for all.
    fn append_all(&mut self, records: &[TaskRecord]) -> Result<(), LogError> {
        self.writer()?;
        let shown = self.shown.clone();
        let node = self.node.clone();
        let epoch = self.epoch;
        let mut fenced = false;
        let client = self.client.as_mut().expect("opened above");
        let result = (|| {
            let mut tx = client.transaction()?;
            let mut open: HashMap<String, i64> = HashMap::new();
            for record in records {
                let run_id = match record.action {
                    Action::Run => None,
                    _ => match open.get(&record.task_name) {
                        Some(&id) => Some(id),
                        None => rows::last_run(&mut tx, &record.task_name)?,
                    },
                };
                let Some(id) = rows::insert(&mut tx, record, run_id, &node, None, epoch)? else {
                    // Rolled back when `tx` drops: none of the records is written.
                    fenced = true;
                    return Ok(());
                };
                if record.action == Action::Run {
                    open.insert(record.task_name.clone(), id);
                } else {
                    open.remove(&record.task_name);
                }
            }
            tx.commit()
        })();
        self.open_runs.clear();
        if fenced {
            return Err(self.fenced());
        }
        result.map_err(|e| LogError::postgres(&shown, LogErrorKind::Write, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_show_the_password() {
        assert_eq!(
            redact("postgres://u:p%40ss@h:5432/db"),
            "postgres://u@h:5432/db"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        assert_eq!(redact("postgresql://u@h/db"), "postgresql://u@h/db");
    }
}
