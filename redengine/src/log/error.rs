//! The error of a log store.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What a log store failed to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogErrorKind {
    /// The directory that should hold the log could not be created.
    CreateDir,
    /// The log file could not be opened (or created) for reading and appending.
    Open,
    /// Reading the log back failed.
    Read,
    /// Appending a row failed.
    Write,
    /// Making the log durable (fsync) failed.
    Sync,
    /// Another open file holds the log's instance lock: another scheduler uses this log.
    Locked {
        /// The process holding the lock, when the system tells (Linux does).
        pid: Option<u32>,
    },
    /// The file starts with a header that is not the task log's. It is never rewritten.
    ForeignHeader {
        /// The first line found in the file.
        found: String,
    },
    /// The file is not a task log database: not SQLite at all, damaged, or a SQLite
    /// database of another program. It is never rewritten.
    NotATaskLog {
        /// What was found instead.
        found: String,
    },
    /// The database was written by a newer redengine (a schema version this one does
    /// not know). It is never downgraded.
    NewerSchema {
        /// The database's schema version.
        found: u32,
        /// The newest version this build knows.
        known: u32,
    },
    // cluster: the PostgreSQL log.
    /// The PostgreSQL log lost the connection that holds the cluster's leadership: this
    /// scheduler may no longer write (another node may lead by now).
    LostLeadership,
}

/// Which kind of store an error is about, for its wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StoreFormat {
    Csv,
    // store: made only by the SQLite store (the `sqlite` feature); its wording stays
    // here with the others.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    Sqlite,
    // cluster: the PostgreSQL log.
    Postgres,
}

/// An error of a [`LogStore`](super::LogStore): it names the file, what failed and how to
/// fix it, and keeps the underlying I/O or CSV error as its [`source`](std::error::Error::source).
#[derive(Debug)]
pub struct LogError {
    path: PathBuf,
    format: StoreFormat,
    kind: LogErrorKind,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl LogError {
    pub(super) fn io(path: &Path, kind: LogErrorKind, source: io::Error) -> Self {
        LogError {
            path: path.to_owned(),
            format: StoreFormat::Csv,
            kind,
            source: Some(Box::new(source)),
        }
    }

    pub(super) fn csv(path: &Path, source: csv::Error) -> Self {
        LogError {
            path: path.to_owned(),
            format: StoreFormat::Csv,
            kind: LogErrorKind::Read,
            source: Some(Box::new(source)),
        }
    }

    pub(super) fn locked(path: &Path, pid: Option<u32>) -> Self {
        LogError {
            path: path.to_owned(),
            format: StoreFormat::Csv,
            kind: LogErrorKind::Locked { pid },
            source: None,
        }
    }

    pub(super) fn foreign_header(path: &Path, found: String) -> Self {
        LogError {
            path: path.to_owned(),
            format: StoreFormat::Csv,
            kind: LogErrorKind::ForeignHeader { found },
            source: None,
        }
    }

    /// The same error, worded for the SQLite store.
    #[cfg(feature = "sqlite")]
    pub(super) fn in_sqlite(mut self) -> Self {
        self.format = StoreFormat::Sqlite;
        self
    }

    /// An error of the SQLite store with any source (an SQLite error).
    #[cfg(feature = "sqlite")]
    pub(super) fn sqlite(
        path: &Path,
        kind: LogErrorKind,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        LogError {
            path: path.to_owned(),
            format: StoreFormat::Sqlite,
            kind,
            source: Some(Box::new(source)),
        }
    }

    /// An error of the SQLite store with no source.
    #[cfg(feature = "sqlite")]
    pub(super) fn sqlite_kind(path: &Path, kind: LogErrorKind) -> Self {
        LogError {
            path: path.to_owned(),
            format: StoreFormat::Sqlite,
            kind,
            source: None,
        }
    }

    // cluster: the PostgreSQL log (`path` holds its URL without the password).
    /// An error of the PostgreSQL store with its client's error.
    #[cfg(feature = "postgres")]
    pub(super) fn postgres(
        url: &str,
        kind: LogErrorKind,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        LogError {
            path: PathBuf::from(url),
            format: StoreFormat::Postgres,
            kind,
            source: Some(Box::new(source)),
        }
    }

    /// An error of the PostgreSQL store with no source.
    #[cfg(feature = "postgres")]
    pub(super) fn postgres_kind(url: &str, kind: LogErrorKind) -> Self {
        LogError {
            path: PathBuf::from(url),
            format: StoreFormat::Postgres,
            kind,
            source: None,
        }
    }

    /// Another scheduler leads on this PostgreSQL log (`pid`: its process, on its node).
    #[cfg(feature = "postgres")]
    pub(super) fn locked_postgres(url: &str, pid: Option<u32>) -> Self {
        LogError::postgres_kind(url, LogErrorKind::Locked { pid })
    }

    /// `CSV log`, `SQLite log` or `PostgreSQL log`.
    fn label(&self) -> &'static str {
        match self.format {
            StoreFormat::Csv => "CSV log",
            StoreFormat::Sqlite => "SQLite log",
            StoreFormat::Postgres => "PostgreSQL log",
        }
    }

    /// The call that chooses another path for this kind of store.
    fn chooser(&self) -> &'static str {
        match self.format {
            StoreFormat::Csv => "`CsvLog::new`",
            StoreFormat::Sqlite => "`SessionBuilder::log_sqlite`",
            StoreFormat::Postgres => "`SessionBuilder::log_postgres`",
        }
    }

    /// The log file the error is about.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What failed.
    pub fn kind(&self) -> &LogErrorKind {
        &self.kind
    }

    /// The I/O error kind of the source, if it is one.
    fn io_kind(&self) -> Option<io::ErrorKind> {
        let source = self.source.as_ref()?;
        if let Some(e) = source.downcast_ref::<io::Error>() {
            return Some(e.kind());
        }
        // store: SQLite reports the same conditions with its own codes.
        #[cfg(feature = "sqlite")]
        {
            let rusqlite::Error::SqliteFailure(e, _) = source.downcast_ref::<rusqlite::Error>()?
            else {
                return None;
            };
            use rusqlite::ErrorCode as C;
            match e.code {
                C::DiskFull => Some(io::ErrorKind::StorageFull),
                C::ReadOnly | C::PermissionDenied | C::CannotOpen => {
                    Some(io::ErrorKind::PermissionDenied)
                }
                _ => None,
            }
        }
        #[cfg(not(feature = "sqlite"))]
        None
    }

    /// Whether the source is SQLite's "disk I/O error" (a failed write: a full disk or a
    /// file size limit among the causes).
    #[cfg(feature = "sqlite")]
    fn sqlite_io_error(&self) -> bool {
        matches!(
            self.source.as_ref().and_then(|e| e.downcast_ref::<rusqlite::Error>()),
            Some(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::SystemIoFailure
        )
    }

    /// No SQLite error without the `sqlite` feature.
    #[cfg(not(feature = "sqlite"))]
    fn sqlite_io_error(&self) -> bool {
        false
    }

    /// The source's text, for errors whose cause the user needs to see (SQLite's own
    /// message says which limit was hit).
    fn cause(&self) -> String {
        match (&self.format, &self.source) {
            (StoreFormat::Sqlite, Some(e)) => format!(" ({e})"),
            (StoreFormat::Postgres, Some(e)) => match std::error::Error::source(&**e) {
                Some(inner) => format!(" ({e}: {inner})"),
                None => format!(" ({e})"),
            },
            _ => String::new(),
        }
    }

    /// The fix the message suggests, chosen from the I/O error where it tells.
    fn fix(&self) -> String {
        let chooser = self.chooser();
        if self.format == StoreFormat::Postgres {
            return format!(
                "check that the server runs and accepts this URL (host, port, database, role \
                 and password: in the URL, or else in PGPASSWORD or the password file \
                 PGPASSFILE or ~/.pgpass), and that the role may create and write redengine's \
                 tables in that database (docs/cluster.md), or choose another URL with \
                 {chooser}"
            );
        }
        match self.io_kind() {
            Some(io::ErrorKind::PermissionDenied) => {
                match self.format {
                    StoreFormat::Csv => {
                        format!("give this user write access to it, or choose another path with {chooser}")
                    }
                    // SQLite also writes `-wal` and `-shm` files next to the database.
                    StoreFormat::Sqlite | StoreFormat::Postgres => format!(
                        "give this user write access to it and to its directory (SQLite writes \
                     `-wal` and `-shm` files beside it), or choose another path with {chooser}"
                    ),
                }
            }
            Some(io::ErrorKind::NotADirectory | io::ErrorKind::AlreadyExists) => format!(
                "a file is in the way of a directory on this path; move it or choose another \
                 path with {chooser}"
            ),
            Some(io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded) => {
                "free disk space (the log is never truncated by redengine)".to_owned()
            }
            Some(io::ErrorKind::ReadOnlyFilesystem) => format!(
                "the file system is read-only; choose a path on a writable one with {chooser}"
            ),
            _ if self.sqlite_io_error() => format!(
                "check that its disk has free space (and the process no file size limit) and \
                 that the file is writable, or choose another path with {chooser}"
            ),
            _ => {
                format!("check that the path is a writable file, or choose another with {chooser}")
            }
        }
    }
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        let (label, chooser, cause) = (self.label(), self.chooser(), self.cause());
        match &self.kind {
            LogErrorKind::CreateDir => write!(
                f,
                "cannot create the directory of the {label} `{path}`{cause}: {}",
                self.fix()
            ),
            LogErrorKind::Open => write!(
                f,
                "cannot open the {label} `{path}` for appending{cause}: {}",
                self.fix()
            ),
            LogErrorKind::Read => write!(
                f,
                "cannot read the {label} `{path}`{cause}: check that it is a readable file, or \
                 choose another path with {chooser}"
            ),
            LogErrorKind::Write => {
                write!(
                    f,
                    "cannot append to the {label} `{path}`{cause}: {}",
                    self.fix()
                )
            }
            LogErrorKind::Sync => write!(
                f,
                "cannot sync the {label} `{path}` to disk (recent records may be lost){cause}: {}",
                self.fix()
            ),
            LogErrorKind::Locked { pid } if self.format == StoreFormat::Postgres => {
                let holder = match pid {
                    Some(pid) => format!("process {pid} leads"),
                    None => "another scheduler leads".to_owned(),
                };
                write!(
                    f,
                    "the {label} `{path}` is in use: {holder} (it holds the cluster's \
                     leadership lock); stop it first, or run this command from a node that \
                     only reads: `list`, `check`, `history` and `status` can"
                )
            }
            LogErrorKind::Locked { pid } => {
                let holder = match pid {
                    Some(pid) => format!("process {pid}"),
                    None => "another process".to_owned(),
                };
                write!(
                    f,
                    "the {label} `{path}` is in use by another scheduler ({holder} holds its \
                     lock): stop that scheduler first, or give this one another log with \
                     {chooser}; `list`, `check` and `history` can still read it"
                )
            }
            LogErrorKind::ForeignHeader { found } => write!(
                f,
                "the CSV log `{path}` starts with the header `{found}`, expected `{}`; \
                 redengine never rewrites an existing file: move it away or choose another \
                 path with `CsvLog::new`",
                super::format::HEADER_LINE.trim_end()
            ),
            LogErrorKind::NotATaskLog { found } if self.format == StoreFormat::Postgres => {
                write!(
                    f,
                    "the PostgreSQL database `{path}` is not a redengine log ({found}); \
                     redengine never rewrites tables it did not create: drop or rename them, \
                     or choose another database with {chooser}"
                )
            }
            LogErrorKind::NewerSchema { found, known } if self.format == StoreFormat::Postgres => {
                write!(
                    f,
                    "the PostgreSQL log `{path}` has schema version {found}, written by a \
                     newer redengine (this one knows versions up to {known}); it is never \
                     downgraded: run the newer redengine on every node (docs/cluster.md, \
                     \"Rolling upgrades\")"
                )
            }
            LogErrorKind::LostLeadership => write!(
                f,
                "the {label} `{path}` lost the connection that holds this scheduler's \
                 leadership{cause}: it launches nothing more and stops, as another node may \
                 lead by now; start it again to stand by (docs/cluster.md, \"Failover\")"
            ),
            LogErrorKind::NotATaskLog { found } => write!(
                f,
                "the file `{path}` is not a redengine SQLite log ({found}); redengine never \
                 rewrites an existing file: move it away or choose another path with {chooser}"
            ),
            LogErrorKind::NewerSchema { found, known } => write!(
                f,
                "the SQLite log `{path}` has schema version {found}, written by a newer \
                 redengine (this one knows versions up to {known}); it is never downgraded: \
                 run the newer redengine, or choose another path with {chooser}"
            ),
        }
    }
}

impl std::error::Error for LogError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
