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
}

/// An error of a [`LogStore`](super::LogStore): it names the file, what failed and how to
/// fix it, and keeps the underlying I/O or CSV error as its [`source`](std::error::Error::source).
#[derive(Debug)]
pub struct LogError {
    path: PathBuf,
    kind: LogErrorKind,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl LogError {
    pub(super) fn io(path: &Path, kind: LogErrorKind, source: io::Error) -> Self {
        LogError {
            path: path.to_owned(),
            kind,
            source: Some(Box::new(source)),
        }
    }

    pub(super) fn csv(path: &Path, source: csv::Error) -> Self {
        LogError {
            path: path.to_owned(),
            kind: LogErrorKind::Read,
            source: Some(Box::new(source)),
        }
    }

    pub(super) fn locked(path: &Path, pid: Option<u32>) -> Self {
        LogError {
            path: path.to_owned(),
            kind: LogErrorKind::Locked { pid },
            source: None,
        }
    }

    pub(super) fn foreign_header(path: &Path, found: String) -> Self {
        LogError {
            path: path.to_owned(),
            kind: LogErrorKind::ForeignHeader { found },
            source: None,
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
        self.source
            .as_ref()
            .and_then(|e| e.downcast_ref::<io::Error>())
            .map(io::Error::kind)
    }

    /// The fix the message suggests, chosen from the I/O error where it tells.
    fn fix(&self) -> &'static str {
        match self.io_kind() {
            Some(io::ErrorKind::PermissionDenied) => {
                "give this user write access to it, or choose another path with `CsvLog::new`"
            }
            Some(io::ErrorKind::NotADirectory | io::ErrorKind::AlreadyExists) => {
                "a file is in the way of a directory on this path; move it or choose another \
                 path with `CsvLog::new`"
            }
            Some(io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded) => {
                "free disk space (the log is never truncated by redengine)"
            }
            Some(io::ErrorKind::ReadOnlyFilesystem) => {
                "the file system is read-only; choose a path on a writable one with `CsvLog::new`"
            }
            _ => "check that the path is a writable file, or choose another with `CsvLog::new`",
        }
    }
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.kind {
            LogErrorKind::CreateDir => write!(
                f,
                "cannot create the directory of the CSV log `{path}`: {}",
                self.fix()
            ),
            LogErrorKind::Open => write!(
                f,
                "cannot open the CSV log `{path}` for appending: {}",
                self.fix()
            ),
            LogErrorKind::Read => write!(
                f,
                "cannot read the CSV log `{path}`: check that it is a readable file, or choose \
                 another path with `CsvLog::new`"
            ),
            LogErrorKind::Write => {
                write!(f, "cannot append to the CSV log `{path}`: {}", self.fix())
            }
            LogErrorKind::Sync => write!(
                f,
                "cannot sync the CSV log `{path}` to disk (recent records may be lost): {}",
                self.fix()
            ),
            LogErrorKind::Locked { pid } => {
                let holder = match pid {
                    Some(pid) => format!("process {pid}"),
                    None => "another process".to_owned(),
                };
                write!(
                    f,
                    "the CSV log `{path}` is in use by another scheduler ({holder} holds its \
                     lock): stop that scheduler first, or give this one another log with \
                     `CsvLog::new`; `list` and `check` can still read it"
                )
            }
            LogErrorKind::ForeignHeader { found } => write!(
                f,
                "the CSV log `{path}` starts with the header `{found}`, expected `{}`; \
                 redengine never rewrites an existing file: move it away or choose another \
                 path with `CsvLog::new`",
                super::format::HEADER_LINE.trim_end()
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
