//! [`CsvLog`]: the task log as an append-only CSV file (spec §5.5).

use std::cell::RefCell;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::error::{LogError, LogErrorKind};
use super::format::{self, COLUMNS, HEADER_LINE};
use super::tail::{self, Tail};
use super::{LogStore, TaskRecord};

/// The target of scheduler events, skipped rows among them (spec §5.6).
const SCHEDULER_TARGET: &str = "redengine::scheduler";

/// The task log kept in a CSV file, by default `log/tasks.csv` (spec §5.5).
///
/// * The header is written once, when the file is missing or empty; an existing file with
///   another header is an error, and is never rewritten. Missing directories are created.
/// * Each record is one `write` of a complete row, flushed to the OS at once but **not**
///   fsynced: an fsync per row costs about 250 µs and would cap the scheduler near 2,000
///   rows/s. [`LogStore::sync`] makes everything durable; the scheduler calls it at
///   shutdown. A machine crash can therefore lose the last rows, a process crash cannot.
/// * The file is only ever appended to. A row torn by a crash is skipped with a warning
///   when the log is read back, and before the first append the writer ends the torn
///   fragment's line (closing its quote if needed) so new rows start on a line of their own.
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

    /// Opens the file for appending, creating it and its directories, and writes the header
    /// if the file is empty.
    fn open_file(&mut self) -> Result<File, LogError> {
        let path = self.path.clone();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| LogError::io(&path, LogErrorKind::CreateDir, e))?;
        }
        let mut options = OpenOptions::new();
        options.read(true).append(true);
        let mut file = match options.clone().create_new(true).open(&path) {
            Ok(file) => {
                self.created = true;
                file
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => options
                .open(&path)
                .map_err(|e| LogError::io(&path, LogErrorKind::Open, e))?,
            Err(e) => return Err(LogError::io(&path, LogErrorKind::Open, e)),
        };
        let len = file
            .metadata()
            .map_err(|e| LogError::io(&path, LogErrorKind::Open, e))?
            .len();
        if len == 0 {
            file.write_all(HEADER_LINE.as_bytes())
                .map_err(|e| LogError::io(&path, LogErrorKind::Write, e))?;
            self.dirty = true;
            self.tail = Some(Tail::default());
        }
        Ok(file)
    }

    /// Reads the whole file: checks the header, returns the records (when `collect`, with a
    /// warning per skipped row) and learns what the end of the file needs before appending.
    fn scan(&mut self, collect: bool) -> Result<Vec<TaskRecord>, LogError> {
        let file = self.take_file()?;
        let scanned = self.scan_file(&file, collect);
        self.file = Some(file);
        scanned
    }

    fn scan_file(&mut self, mut file: &File, collect: bool) -> Result<Vec<TaskRecord>, LogError> {
        let path = self.path.clone();
        let read_err = |e| LogError::io(&path, LogErrorKind::Read, e);
        let len = file.metadata().map_err(read_err)?.len();
        file.seek(SeekFrom::Start(0)).map_err(read_err)?;

        if len < HEADER_LINE.len() as u64 {
            let mut start = Vec::new();
            file.read_to_end(&mut start).map_err(read_err)?;
            if let Some(rest) = HEADER_LINE.as_bytes().strip_prefix(start.as_slice()) {
                // A header cut off by a crash: complete it before the first row.
                self.tail = Some(Tail::completing(rest));
                return Ok(Vec::new());
            }
            file.seek(SeekFrom::Start(0)).map_err(read_err)?;
        }

        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(BufReader::with_capacity(64 * 1024, file));
        let mut row = csv::ByteRecord::new();
        let mut records = Vec::new();
        let read_row = |reader: &mut csv::Reader<_>, row: &mut csv::ByteRecord| {
            reader
                .read_byte_record(row)
                .map_err(|e| LogError::csv(&path, e))
        };

        if !read_row(&mut reader, &mut row)? {
            let found = "(blank lines only)".to_owned();
            return Err(LogError::foreign_header(&path, found));
        }
        if !is_header(&row) {
            return Err(LogError::foreign_header(&path, describe_header(&row)));
        }
        let mut last_start = 0;
        // The latest row is held back until we know it is not a torn one.
        let mut pending: Option<(u64, Result<TaskRecord, String>)> = None;
        while read_row(&mut reader, &mut row)? {
            if let Some((line, parsed)) = pending.take() {
                self.deliver(line, parsed, &mut records);
            }
            let (start, line) = row.position().map_or((0, 0), |p| (p.byte(), p.line()));
            last_start = start;
            if collect {
                pending = Some((line, format::parse_row(&row)));
            }
        }
        drop(reader);

        let tail = tail::read(&mut file, last_start).map_err(read_err)?;
        if let Some((line, parsed)) = pending {
            if tail.in_quotes {
                self.warn_skip(
                    line,
                    "unterminated quote at end of file (a row cut off by a crash)",
                );
            } else {
                self.deliver(line, parsed, &mut records);
            }
        }
        self.tail = Some(tail);
        Ok(records)
    }

    fn deliver(&self, line: u64, parsed: Result<TaskRecord, String>, out: &mut Vec<TaskRecord>) {
        match parsed {
            Ok(record) => out.push(record),
            Err(reason) => self.warn_skip(line, &reason),
        }
    }

    fn warn_skip(&self, line: u64, reason: &str) {
        log::warn!(
            target: SCHEDULER_TARGET,
            "skipping line {line} of the CSV log `{}`: {reason}",
            self.path.display()
        );
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

/// Whether a parsed first row is the task log's header (a UTF-8 byte order mark allowed).
fn is_header(row: &csv::ByteRecord) -> bool {
    row.len() == COLUMNS.len()
        && row
            .iter()
            .zip(COLUMNS)
            .enumerate()
            .all(|(i, (field, name))| {
                let field = if i == 0 {
                    field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
                } else {
                    field
                };
                field == name.as_bytes()
            })
}

/// The first row as text for the foreign-header message, shortened to stay one line.
fn describe_header(row: &csv::ByteRecord) -> String {
    let fields: Vec<String> = row
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    let mut text = fields.join(",").replace(['\r', '\n'], " ");
    if text.chars().count() > 120 {
        text = text.chars().take(120).collect::<String>() + "…";
    }
    text
}

impl LogStore for CsvLog {
    fn load(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        self.scan(true)
    }

    fn peek(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        // Opening creates the file (and `load` writes a header into an empty one): a
        // missing or empty file is an empty log, left as it is.
        let empty = self.file.is_none()
            && std::fs::metadata(&self.path).map_or(true, |meta| meta.len() == 0);
        if empty {
            return Ok(Vec::new());
        }
        self.load()
    }

    fn append(&mut self, record: &TaskRecord) -> Result<(), LogError> {
        if self.tail.is_none() {
            self.scan(false)?;
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
}

/// Makes a new file's directory entry durable (Unix; elsewhere the file sync suffices).
#[cfg(unix)]
fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_path: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let row = csv::ByteRecord::from(fields);
        let text = describe_header(&row);
        assert_eq!(text.chars().count(), 121);
        assert!(text.ends_with('…'));
    }

    #[test]
    fn the_store_is_send() {
        fn assert_send<T: Send + 'static>() {}
        assert_send::<CsvLog>();
    }
}
