//! Where a session logs: the builder's log settings, and the store `build()` opens.

use std::path::PathBuf;

use super::SessionBuilder;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::log::{CsvLog, LogStore, MemoryLog};

impl SessionBuilder {
    /// Log to a CSV file (the default is `log/tasks.csv`).
    pub fn log_csv(mut self, path: impl Into<PathBuf>) -> Self {
        self.store = Some(Box::new(CsvLog::new(path)));
        self
    }

    // --- store: the SQLite log ---
    /// Log to an SQLite database (created if missing), which also keeps the return
    /// values of successful runs across restarts (`docs/log.md`, "The SQLite log").
    /// Needs redengine's `sqlite` feature
    /// (`features = ["sqlite"]` on the program's redengine dependency).
    #[cfg(feature = "sqlite")]
    pub fn log_sqlite(mut self, path: impl Into<PathBuf>) -> Self {
        self.store = Some(Box::new(crate::log::SqliteLog::new(path)));
        self
    }

    // --- cluster: the PostgreSQL log and leadership ---
    /// Log to a PostgreSQL database (`postgres://user@host/database`; the tables are
    /// created and migrated by the program) and run as one node of a scheduler cluster
    /// on it: the first scheduler leads, others stand by and take over when it stops
    /// (`docs/cluster.md`). Needs the `postgres` feature.
    #[cfg(feature = "postgres")]
    pub fn log_postgres(mut self, url: impl Into<String>) -> Self {
        self.config.log_postgres = Some(url.into());
        self.store = None;
        self
    }

    /// How long a standby may take to take over from a leader that died (default 10
    /// seconds): the `cluster_lease` key.
    pub fn cluster_lease(mut self, lease: std::time::Duration) -> Self {
        self.config.cluster_lease = lease;
        self
    }

    /// How much of the task log to keep (`Retention::parse("90 days")`, or
    /// `Retention::Records(100_000)`): older records leave the in-memory history and the
    /// SQLite log, never changing a condition's answer inside the kept window; the CSV
    /// log is rewritten only by `log compact` (`docs/log.md`, "Retention").
    pub fn log_retention(mut self, retention: crate::log::Retention) -> Self {
        self.config.log_retention = Some(retention);
        self
    }

    /// Keep the log in memory for the life of the process (tests, throw-away runs).
    pub fn log_memory(mut self) -> Self {
        self.store = Some(Box::new(MemoryLog::new()));
        self
    }

    /// Use a custom log store (e.g. a [`MemoryLog`] clone a test keeps).
    pub fn log_store(mut self, store: impl LogStore) -> Self {
        self.store = Some(Box::new(store));
        self
    }
}

/// The store a session logs to: the one given, else the PostgreSQL or SQLite log the
/// config names, else the CSV log at its default path.
pub(super) fn open(store: Option<Box<dyn LogStore>>, config: &Config) -> Result<Box<dyn LogStore>> {
    Ok(match (store, &config.log_sqlite) {
        (Some(store), _) => store,
        // cluster: the PostgreSQL log, before the SQLite one.
        (None, _) if config.log_postgres.is_some() => {
            let url = config.log_postgres.as_deref().unwrap_or_default();
            crate::log::open_url(url, config.cluster_lease)
                .map_err(|reason| Error::config("log_postgres", url, &reason))?
        }
        // store: the `log_sqlite` key (an error naming the feature without it).
        (None, Some(path)) => crate::log::open_sqlite(path)
            .map_err(|reason| Error::config("log_sqlite", &path.display().to_string(), &reason))?,
        (None, None) => Box::new(CsvLog::new("log/tasks.csv")),
    })
}
