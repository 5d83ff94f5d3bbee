//! [`CsvLog`]: the task log as an append-only CSV file (the format: `docs/log.md`).

mod files;
mod read;

use std::cell::RefCell;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use self::files::{create_dirs, create_new, sync_dir};
use self::read::read_file;
use super::error::{LogError, LogErrorKind};
use super::format::{self, HEADER_LINE};
use super::lock::{self, InstanceLock, LockFailure};
use super::reader::Row;
use super::tail::Tail;
use super::{LogStore, RecordHead, TaskRecord};

/// The task log kept in a CSV file, by default `log/tasks.csv`.
///
/// * The header is written once, when the file is missing or empty; an existing file with
///   another header is an error, and is never rewritten. Missing directories are created.
///   A file (and directories) created here get no access for others (modes 0600, 0700).
/// * Each record is one `write` of a complete row, flushed to the OS at once but **not**
///   fsynced: an fsync per row costs about 250 µs and would cap the scheduler near 2,000
///   rows/s. [`LogStore::sync`] makes everything durable; the scheduler calls it at
///   shutdown. A machine crash can therefore lose the last rows, a process crash cannot.
/// * The file is only ever appended to. Damaged rows are skipped with a warning when the
///   log is read back, and cost only their own lines. Before the first append the writer
///   spoils a row torn by a crash for good (closing its quote and adding fields), so it
///   reads the same on every later start, and new rows start on a line of their own.
/// * Opening the file for appending takes an exclusive advisory lock on it: a second
///   scheduler on the same log fails with [`LogErrorKind::Locked`]. [`LogStore::peek`]
///   takes no lock and reads a locked log.
///
/// Nothing is touched until [`LogStore::load`] or the first [`LogStore::append`].
///
/// ```
/// use redengine::log::{CsvLog, LogStore};
///
/// let log = CsvLog::new("log/tasks.csv");
/// assert_eq!(log.path(), std::path::Path::new("log/tasks.csv"));
/// assert_eq!(log.describe(), "CSV log at log/tasks.csv");
/// ```
#[derive(Debug)]
pub struct CsvLog {
    path: PathBuf,
    /// The open file, in append mode.
    file: Option<File>,
    /// The instance lock on `file`, held while it is open.
    lock: Option<InstanceLock>,
    /// What the end of the file looks like, once read; `None` until then (or after a failed
    /// write, which may have left a torn row behind).
    tail: Option<Tail>,
    /// Rows were written since the last sync.
    dirty: bool,
    /// This process created the file, so its directory entry needs an fsync too.
    created: bool,
    /// Encodes one row at a time (RFC 4180 quoting) into memory.
    encoder: csv::Writer<RowBuf>,
    /// Reused text of the timestamp and runtime fields.
    scratch: String,
}

/// The in-memory destination of the CSV encoder. `csv::Writer` only lends `&W` back, so the
/// bytes sit in a `RefCell` to be taken out after each row.
#[derive(Debug, Default)]
struct RowBuf(RefCell<Vec<u8>>);

impl Write for RowBuf {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.get_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl CsvLog {
    /// A CSV log at `path`. Opening is deferred to [`LogStore::load`] or the first append.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        CsvLog {
            path: path.into(),
            file: None,
            lock: None,
            tail: None,
            dirty: false,
            created: false,
            encoder: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .quote_style(csv::QuoteStyle::Necessary)
                .from_writer(RowBuf::default()),
            scratch: String::with_capacity(128),
        }
    }

    /// The file this log reads and appends.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the open file out of `self` (opening it first if needed), so it can be used
    /// while `self` is borrowed; the caller puts it back.
    fn take_file(&mut self) -> Result<File, LogError> {
        match self.file.take() {
            Some(file) => Ok(file),
            None => self.open_file(),
        }
    }

    /// Opens the file for appending, creating it and its directories, takes the instance
    /// lock, and writes the header if the file is empty.
    fn open_file(&mut self) -> Result<File, LogError> {
        let path = self.path.clone();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_dirs(dir).map_err(|e| LogError::io(&path, LogErrorKind::CreateDir, e))?;
        }
        let mut options = OpenOptions::new();
        options.read(true).append(true);
        let (mut file, created) = match create_new(&options).open(&path) {
            Ok(file) => {
                self.created = true;
                (file, true)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => (
                options
                    .open(&path)
                    .map_err(|e| LogError::io(&path, LogErrorKind::Open, e))?,
                false,
            ),
            Err(e) => return Err(LogError::io(&path, LogErrorKind::Open, e)),
        };
        self.lock = Some(lock::lock(&file).map_err(|failure| match failure {
            LockFailure::Held(pid) => LogError::locked(&path, pid),
            LockFailure::Io(e) => LogError::io(&path, LogErrorKind::Open, e),
        })?);
        // perf (launch): a file this call created is empty; no need to ask.
        let empty = created
            || file
                .metadata()
                .map_err(|e| LogError::io(&path, LogErrorKind::Open, e))?
                .len()
                == 0;
        if empty {
            file.write_all(HEADER_LINE.as_bytes())
                .map_err(|e| LogError::io(&path, LogErrorKind::Write, e))?;
            self.dirty = true;
            self.tail = Some(Tail::default());
        }
        Ok(file)
    }

    /// Reads the open file (opening and locking it first if needed), passing each record
    /// to `accept`, and learns what its end needs before the next append.
    fn scan(
        &mut self,
        accept: &mut dyn FnMut(&Row) -> Result<(), String>,
    ) -> Result<u64, LogError> {
        let opening = self.file.is_none();
        let file = self.take_file()?;
        // perf (launch): a file this call found empty holds only the header it just wrote
        // (`open_file` then knows its tail): nothing to read back.
        if opening && self.tail.is_some() {
            self.file = Some(file);
            return Ok(0);
        }
        let scanned = read_file(&self.path, &file, accept);
        self.file = Some(file);
        let (rows, tail) = scanned?;
        self.tail = Some(tail);
        Ok(rows)
    }

    /// Reads the file without opening it for appending: no lock, no repair, nothing
    /// created. A missing or empty file is an empty log.
    fn peek_with(
        &self,
        accept: &mut dyn FnMut(&Row) -> Result<(), String>,
    ) -> Result<u64, LogError> {
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(LogError::io(&self.path, LogErrorKind::Read, e)),
        };
        let len = file
            .metadata()
            .map_err(|e| LogError::io(&self.path, LogErrorKind::Read, e))?
            .len();
        if len == 0 {
            return Ok(0);
        }
        read_file(&self.path, &file, accept).map(|(rows, _)| rows)
    }

    /// Encodes `record` as one row, after whatever the file's end needs first.
    fn encode(&mut self, record: &TaskRecord, prefix: &[u8]) -> Result<(), LogError> {
        self.encoder
            .get_ref()
            .0
            .borrow_mut()
            .extend_from_slice(prefix);
        let scratch = &mut self.scratch;
        scratch.clear();
        format::push_timestamp(scratch, &record.created);
        let created_end = scratch.len();
        if let Some(start) = &record.start {
            format::push_timestamp(scratch, start);
        }
        let start_end = scratch.len();
        if let Some(end) = &record.end {
            format::push_timestamp(scratch, end);
        }
        let end_end = scratch.len();
        if let Some(runtime) = record.runtime {
            format::push_runtime(scratch, runtime);
        }
        let fields: [&str; 8] = [
            &record.task_name,
            &scratch[..created_end],
            record.action.as_str(),
            &scratch[created_end..start_end],
            &scratch[start_end..end_end],
            &scratch[end_end..],
            &record.message,
            &record.exc_text,
        ];
        let encoded = self
            .encoder
            .write_record(fields)
            .and_then(|()| self.encoder.flush().map_err(csv::Error::from));
        encoded.map_err(|e| {
            self.encoder.get_ref().0.borrow_mut().clear();
            LogError::csv(&self.path, e)
        })
    }
}

impl LogStore for CsvLog {
    fn load(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        let mut records = Vec::new();
        self.scan(&mut |row| format::parse_row(row).map(|r| records.push(r)))?;
        Ok(records)
    }

    fn load_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        self.scan(&mut |row| format::parse_head(row).map(&mut *visit))
    }

    fn peek(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        let mut records = Vec::new();
        self.peek_with(&mut |row| format::parse_row(row).map(|r| records.push(r)))?;
        Ok(records)
    }

    fn peek_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        self.peek_with(&mut |row| format::parse_head(row).map(&mut *visit))
    }

    fn append(&mut self, record: &TaskRecord) -> Result<(), LogError> {
        if self.tail.is_none() {
            self.scan(&mut |row| format::parse_head(row).map(drop))?;
        }
        let prefix = self.tail.take().unwrap_or_default();
        if let Err(e) = self.encode(record, prefix.repair()) {
            self.tail = Some(prefix);
            return Err(e);
        }
        let row = std::mem::take(&mut *self.encoder.get_ref().0.borrow_mut());
        let file = self.take_file()?;
        let written = (&file).write_all(&row);
        self.file = Some(file);
        // Give the buffer back so its allocation is reused by the next row.
        let mut buf = row;
        buf.clear();
        *self.encoder.get_ref().0.borrow_mut() = buf;
        match written {
            Ok(()) => {
                self.tail = Some(Tail::default());
                self.dirty = true;
                Ok(())
            }
            // Part of the row may be in the file: the next append reads the end again.
            Err(e) => Err(LogError::io(&self.path, LogErrorKind::Write, e)),
        }
    }

    fn sync(&mut self) -> Result<(), LogError> {
        let Some(file) = self.file.as_ref().filter(|_| self.dirty) else {
            return Ok(());
        };
        file.sync_data()
            .map_err(|e| LogError::io(&self.path, LogErrorKind::Sync, e))?;
        if self.created {
            sync_dir(&self.path).map_err(|e| LogError::io(&self.path, LogErrorKind::Sync, e))?;
            self.created = false;
        }
        self.dirty = false;
        Ok(())
    }

    fn describe(&self) -> String {
        format!("CSV log at {}", self.path.display())
    }

    fn reader(&self) -> Option<Box<dyn LogStore>> {
        Some(Box::new(CsvLog::new(&self.path)))
    }

    fn compact(
        &mut self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<super::Compacted, LogError> {
        let path = self.path.clone();
        super::compact::rewrite(self, &path, cutoff, |p| Box::new(CsvLog::new(p)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
        let path = std::env::temp_dir().join(format!(
            "redengine-csv-unit-{}-{name}.csv",
            std::process::id()
        ));
        fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn a_byte_order_mark_before_the_header_is_accepted() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(HEADER_LINE.as_bytes());
        let path = temp_file("bom", &bytes);
        assert_eq!(CsvLog::new(&path).load().unwrap(), []);
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_file_of_blank_lines_is_not_a_task_log() {
        let path = temp_file("blank", b"\n\n");
        let err = CsvLog::new(&path).load().unwrap_err();
        assert!(err.to_string().contains("(blank lines only)"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"\n\n");
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn long_foreign_headers_are_shortened() {
        let fields: Vec<String> = (0..100).map(|i| format!("column{i}")).collect();
        let mut header = fields.join(",").into_bytes();
        header.push(b'\n');
        let path = temp_file("long-header", &header);
        let err = CsvLog::new(&path).load().unwrap_err();
        let LogErrorKind::ForeignHeader { found } = err.kind() else {
            panic!("{err}");
        };
        assert_eq!(found.chars().count(), 121);
        assert!(found.ends_with('…'));
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn the_store_is_send() {
        fn assert_send<T: Send + 'static>() {}
        assert_send::<CsvLog>();
    }
}
