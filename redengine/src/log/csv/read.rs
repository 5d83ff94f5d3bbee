//! Reading a CSV log back: the header check, every row handed on, damaged lines skipped
//! with a warning, and what the end of the file needs before the next append.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::log::error::{LogError, LogErrorKind};
use crate::log::format::{COLUMNS, HEADER_LINE};
use crate::log::reader::{self, Item, Row};
use crate::log::tail::Tail;

/// The target of scheduler events, skipped rows among them.
const SCHEDULER_TARGET: &str = "redengine::scheduler";

/// The largest read buffer of [`read_file`]: big reads for a big log.
const MAX_READ_BUFFER: usize = 256 * 1024;

/// Reads a whole log file: checks the header, hands every row to `accept` (which says
/// whether it is a record), warns about skipped lines, and returns the number of records
/// and what the end of the file needs before the next append.
pub(super) fn read_file(
    path: &Path,
    mut file: &File,
    accept: &mut dyn FnMut(&Row) -> Result<(), String>,
) -> Result<(u64, Tail), LogError> {
    let read_err = |e| LogError::io(path, LogErrorKind::Read, e);
    let len = file.metadata().map_err(read_err)?.len();
    file.seek(SeekFrom::Start(0)).map_err(read_err)?;

    if len < HEADER_LINE.len() as u64 {
        let mut start = Vec::new();
        file.read_to_end(&mut start).map_err(read_err)?;
        if let Some(rest) = HEADER_LINE.as_bytes().strip_prefix(start.as_slice()) {
            // A header cut off by a crash: complete it before the first row.
            return Ok((0, Tail::completing(rest)));
        }
        file.seek(SeekFrom::Start(0)).map_err(read_err)?;
    }

    // perf (launch): the buffer is sized to the file, up to 256 KiB: a small log is read
    // without a fresh mapping of the largest buffer.
    let capacity = usize::try_from(len).map_or(MAX_READ_BUFFER, |len| {
        len.saturating_add(1).clamp(8 * 1024, MAX_READ_BUFFER)
    });
    let mut input = BufReader::with_capacity(capacity, file);
    let Some((header, lines, bytes)) = reader::header(&mut input).map_err(read_err)? else {
        return Err(LogError::foreign_header(
            path,
            "(blank lines only)".to_owned(),
        ));
    };
    if !is_header(&header) {
        return Err(LogError::foreign_header(path, describe_header(&header)));
    }
    let mut warn = |item: Item| {
        let Item::Skipped {
            first,
            last,
            reason,
        } = item;
        let lines = if first == last {
            format!("line {first}")
        } else {
            format!("lines {first}–{last}")
        };
        log::warn!(
            target: SCHEDULER_TARGET,
            "skipping {lines} of the CSV log `{}`: {reason}",
            path.display()
        );
    };
    let scan = reader::read(input, lines + 1, bytes, accept, &mut warn).map_err(read_err)?;
    Ok((scan.rows, Tail::after(scan.torn)))
}

/// Whether the first row is the task log's header (a UTF-8 byte order mark allowed).
fn is_header(row: &Row) -> bool {
    row.len() == COLUMNS.len()
        && COLUMNS.iter().enumerate().all(|(i, name)| {
            let field = row.field(i);
            let field = if i == 0 {
                field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
            } else {
                field
            };
            field == name.as_bytes()
        })
}

/// The first row as text for the foreign-header message, shortened to stay one line.
fn describe_header(row: &Row) -> String {
    let fields: Vec<String> = (0..row.len())
        .map(|i| String::from_utf8_lossy(row.field(i)).into_owned())
        .collect();
    let mut text = fields.join(",").replace(['\r', '\n'], " ");
    if text.chars().count() > 120 {
        text = text.chars().take(120).collect::<String>() + "…";
    }
    text
}
