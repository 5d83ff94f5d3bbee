//! `log compact` for the CSV log: the one way its file is ever rewritten, on request.
//!
//! The CSV log is append-only by promise, so retention never touches it on its own. The
//! explicit command takes the instance lock (it refuses while a scheduler runs), writes
//! the kept records to a temporary file beside the log, makes it durable, keeps the old
//! file as a backup (a hard link `tasks.csv.bak-<time>`) and renames the new one over the
//! log: at every instant the log's path holds a complete log.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::error::{LogError, LogErrorKind};
use super::{kept, LogStore};

/// What a compaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compacted {
    /// Records kept.
    pub kept: u64,
    /// Records dropped.
    pub dropped: u64,
    /// Where the old file is kept, when the store rewrote a file.
    pub backup: Option<PathBuf>,
}

/// Rewrites the file log `store` at `path` without the records made before `cutoff`
/// (except the latest of each task and action), writing the new file with a store made
/// by `open`. Rows the reader skips as damaged are not carried over; the backup keeps
/// them.
pub(super) fn rewrite(
    store: &mut dyn LogStore,
    path: &Path,
    cutoff: DateTime<Utc>,
    open: impl Fn(&Path) -> Box<dyn LogStore>,
) -> Result<Compacted, LogError> {
    // `load` takes the instance lock, held until `store` is dropped.
    let records = store.load()?;
    let keep = kept(&records, cutoff);
    let path = path.to_owned();
    let kept_count = keep.iter().filter(|k| **k).count() as u64;
    let dropped = records.len() as u64 - kept_count;
    if dropped == 0 {
        return Ok(Compacted {
            kept: kept_count,
            dropped,
            backup: None,
        });
    }
    let temp = sibling(&path, ".compact-tmp");
    let _ = fs::remove_file(&temp);
    {
        let mut out = open(&temp);
        for (record, _) in records.iter().zip(&keep).filter(|(_, k)| **k) {
            out.append(record)?;
        }
        out.sync()?;
    }
    let backup = sibling(
        &path,
        &format!(".bak-{}", Utc::now().format("%Y%m%dT%H%M%S")),
    );
    let write_err = |e| LogError::io(&path, LogErrorKind::Write, e);
    fs::hard_link(&path, &backup).map_err(write_err)?;
    fs::rename(&temp, &path).map_err(write_err)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(dir) = fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(Compacted {
        kept: kept_count,
        dropped,
        backup: Some(backup),
    })
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}
