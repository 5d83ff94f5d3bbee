//! The leadership of a scheduler cluster on the PostgreSQL log: the connection that
//! holds the advisory lock, the standby's wait for it, the leadership epoch that fences
//! a superseded leader's writes (docs/cluster.md, "Fencing"), and where this leader
//! queues worker runs.

use std::time::Duration;

use postgres::{Client, NoTls};

use super::schema;
use super::store::{PostgresLog, LEADER_KEY};
use crate::log::error::{LogError, LogErrorKind};
use crate::log::LogStore;

/// The URL of the PostgreSQL log this process leads on, and its leadership epoch: where
/// `worker` runs are queued, and the epoch each queued run must still be current in.
static QUEUE: std::sync::Mutex<Option<(String, i64)>> = std::sync::Mutex::new(None);

/// Where this process queues `execution = "worker"` runs: the PostgreSQL log it leads
/// on, and the leadership epoch it leads in.
pub(crate) fn queue_target() -> Option<(String, i64)> {
    QUEUE.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// How long a connection attempt may take before it fails with an error naming the URL.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl PostgresLog {
    /// A new connection, its keepalives set from the lease.
    pub(super) fn connect(&self, role: &str) -> Result<Client, LogError> {
        let mut config =
            super::password::config(&self.url).map_err(|e| self.err(LogErrorKind::Open, e))?;
        config
            .application_name(&format!("redengine {role} {}", self.node))
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalives(true)
            .keepalives_idle((self.lease / 2).max(Duration::from_secs(1)));
        let mut client = config
            .connect(NoTls)
            .map_err(|e| self.err(LogErrorKind::Open, e))?;
        // The server's side: a leader whose machine vanished (no FIN) loses its
        // connection, and so the lock, within about the lease.
        let secs = |d: Duration| d.as_secs().max(1);
        let setup = format!(
            "SET tcp_keepalives_idle = {}; SET tcp_keepalives_interval = {}; \
             SET tcp_keepalives_count = 3; SET tcp_user_timeout = {}",
            secs(self.lease / 3),
            secs(self.lease / 9),
            self.lease.as_millis()
        );
        client
            .batch_execute(&setup)
            .map_err(|e| self.err(LogErrorKind::Open, e))?;
        Ok(client)
    }

    /// Connects the writer: migrates, then takes the leadership lock, waiting for it as a
    /// standby when `wait`.
    pub(super) fn open(&mut self, wait: bool) -> Result<(), LogError> {
        let mut client = self.connect("scheduler")?;
        match schema::migrate(&mut client).map_err(|e| self.err(LogErrorKind::Open, e))? {
            Ok(v) if v > schema::VERSION => {
                return Err(LogError::postgres_kind(
                    &self.shown,
                    LogErrorKind::NewerSchema {
                        found: v,
                        known: schema::VERSION,
                    },
                ))
            }
            Ok(_) => {}
            Err(found) => {
                return Err(LogError::postgres_kind(
                    &self.shown,
                    LogErrorKind::NotATaskLog { found },
                ))
            }
        }
        let mut said = false;
        loop {
            let got: bool = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&LEADER_KEY])
                .map_err(|e| self.err(LogErrorKind::Open, e))?
                .get(0);
            if got {
                break;
            }
            let holder = leader(&mut client).ok().flatten();
            if !wait {
                let pid = holder
                    .as_deref()
                    .and_then(|h| h.rsplit(':').next())
                    .and_then(|p| p.parse().ok());
                return Err(LogError::locked_postgres(&self.shown, pid));
            }
            if !said {
                log::info!(
                    target: "redengine::scheduler",
                    "standing by: {} leads the scheduler on the {}; this node ({}) takes \
                     over when it stops",
                    holder.as_deref().unwrap_or("another node"),
                    self.describe(),
                    self.node
                );
                said = true;
            }
            std::thread::sleep(self.lease / 5);
        }
        if said {
            // A leader cut off from the database (rather than dead) notices at its next
            // heartbeat, a fifth of the lease, and stops: give it that, twice over, before
            // this node launches anything.
            std::thread::sleep(self.lease / 2);
            log::info!(
                target: "redengine::scheduler",
                "leading: this node ({}) holds the leadership of the {}",
                self.node,
                self.describe()
            );
        }
        // Fencing: this leadership's epoch. From this commit on, no write of an earlier
        // leader (a record, a queued run) gets in: each checks its epoch under a share
        // lock of this row, so it committed before this increment or is refused.
        self.epoch = client
            .query_one(
                "UPDATE redengine_leadership SET epoch = epoch + 1 RETURNING epoch",
                &[],
            )
            .map_err(|e| self.err(LogErrorKind::Open, e))?
            .get(0);
        // The previous leader's queued runs are closed as `crash` by this start-up (they
        // have a `run` record and no finish): none of them may run now, unrecorded. A
        // queued one is dropped; a running one is cancelled (its worker kills it).
        client
            .batch_execute(
                "UPDATE redengine_queue SET state = 'done' WHERE state = 'queued'; \
                 UPDATE redengine_queue SET state = 'cancel' WHERE state = 'running';",
            )
            .map_err(|e| self.err(LogErrorKind::Open, e))?;
        self.client = Some(client);
        *QUEUE.lock().unwrap_or_else(|e| e.into_inner()) = Some((self.url.clone(), self.epoch));
        Ok(())
    }

    /// Connects and migrates the schema without taking the leadership (a worker).
    pub fn prepare(&self) -> Result<(), LogError> {
        let mut client = self.connect("worker")?;
        match schema::migrate(&mut client).map_err(|e| self.err(LogErrorKind::Open, e))? {
            Ok(v) if v > schema::VERSION => Err(LogError::postgres_kind(
                &self.shown,
                LogErrorKind::NewerSchema {
                    found: v,
                    known: schema::VERSION,
                },
            )),
            Ok(_) => Ok(()),
            Err(found) => Err(LogError::postgres_kind(
                &self.shown,
                LogErrorKind::NotATaskLog { found },
            )),
        }
    }

    /// A write refused because another node took the leadership over since this one
    /// took it (its epoch is no longer the current one).
    pub(super) fn fenced(&self) -> LogError {
        LogError::postgres(
            &self.shown,
            LogErrorKind::LostLeadership,
            std::io::Error::other(format!(
                "another node leads: the leadership epoch moved past this node's {}, and \
                 the record was not written",
                self.epoch
            )),
        )
    }
}

/// The node holding the leadership lock, from its connection's `application_name`.
pub(super) fn leader(client: &mut Client) -> Result<Option<String>, postgres::Error> {
    let row = client.query_opt(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 \
         AND l.objsubid = 1 AND l.database = \
         (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1",
        &[
            &postgres::types::Oid::try_from(LEADER_KEY >> 32).unwrap_or(0),
            &postgres::types::Oid::try_from(LEADER_KEY & 0xffff_ffff).unwrap_or(0),
        ],
    )?;
    Ok(row.map(|r| {
        let name: String = r.get(0);
        name.rsplit(' ').next().unwrap_or(&name).to_owned()
    }))
}
