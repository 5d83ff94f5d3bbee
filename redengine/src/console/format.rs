//! The console line format, in the `%`-style of Python's `logging` so Red Engine's
//! `'%(asctime)s %(levelname)-8s %(task_name)s %(message)s'` can be pasted as is.

use std::fmt::Write as _;

use log::kv::Key;
use log::Record;

/// The fields a format may name, for the error message.
pub(crate) const FIELDS: &[&str] = &[
    "asctime",
    "levelname",
    "name",
    "task_name",
    "action",
    "message",
];

/// One field of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// `2024-01-03 08:00:02,500`: the local wall clock, milliseconds after a comma.
    Asctime,
    /// `INFO`, `ERROR`, …
    Levelname,
    /// The record's target (`redengine::scheduler`), Python's logger name.
    Name,
    /// The `task_name` key-value of task events; empty for scheduler events.
    TaskName,
    /// The `action` key-value of task events (`run`, `fail`, …); empty otherwise.
    Action,
    /// The message (a failure's error text on the lines after it).
    Message,
}

/// A piece of a parsed format.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field {
        field: Field,
        /// Minimum width; padded on the right when `left`, else on the left.
        width: usize,
        left: bool,
    },
}

/// A parsed format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Format(Vec<Piece>);

impl Format {
    /// Parses `%(field)s` with an optional `-` (left-align) and width, and `%%` for `%`.
    /// The error names the bad placeholder and the accepted fields.
    pub(crate) fn parse(format: &str) -> Result<Format, String> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = format;
        while let Some(at) = rest.find('%') {
            text.push_str(&rest[..at]);
            rest = &rest[at + 1..];
            if let Some(after) = rest.strip_prefix('%') {
                text.push('%');
                rest = after;
                continue;
            }
            let bad = |what: &str| {
                format!(
                    "console format {format:?}: {what}; write `%(field)s` (or `%(field)-8s`) \
                     with one of the fields {}, or `%%` for a percent sign",
                    FIELDS.join(", ")
                )
            };
            let Some(open) = rest.strip_prefix('(') else {
                return Err(bad("a `%` is not followed by `(field)`"));
            };
            let Some(close) = open.find(')') else {
                return Err(bad("a `%(` has no closing `)`"));
            };
            let name = &open[..close];
            let field = match name {
                "asctime" => Field::Asctime,
                "levelname" => Field::Levelname,
                "name" => Field::Name,
                "task_name" => Field::TaskName,
                "action" => Field::Action,
                "message" => Field::Message,
                other => return Err(bad(&format!("unknown field `{other}`"))),
            };
            let spec = &open[close + 1..];
            let left = spec.starts_with('-');
            let digits: String = spec[usize::from(left)..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let after = &spec[usize::from(left) + digits.len()..];
            let Some(after) = after.strip_prefix('s') else {
                return Err(bad(&format!("`%({name})` must end with `s`")));
            };
            let width = digits.parse().unwrap_or(0);
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Field { field, width, left });
            rest = after;
        }
        text.push_str(rest);
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Format(pieces))
    }

    /// The line for `record` (without the newline).
    pub(crate) fn render(&self, record: &Record<'_>) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Field { field, width, left } => {
                    let value = value(*field, record);
                    let _ = if *left {
                        write!(out, "{value:<width$}")
                    } else {
                        write!(out, "{value:>width$}")
                    };
                }
            }
        }
        out
    }
}

/// The text of `field` in `record`.
fn value(field: Field, record: &Record<'_>) -> String {
    let kv = |key: &str| {
        record
            .key_values()
            .get(Key::from(key))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    match field {
        Field::Asctime => chrono::Local::now()
            .format("%Y-%m-%d %H:%M:%S,%3f")
            .to_string(),
        Field::Levelname => record.level().to_string(),
        Field::Name => record.target().to_string(),
        Field::TaskName => kv("task_name"),
        Field::Action => kv("action"),
        Field::Message => record.args().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use log::Level;

    use super::*;

    fn line(format: &str, record: &Record<'_>) -> String {
        match Format::parse(format) {
            Ok(f) => f.render(record),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_seed_format() {
        let kvs = [("task_name", "get_data"), ("action", "fail")];
        let record = Record::builder()
            .level(Level::Error)
            .target("redengine::task")
            .key_values(&kvs)
            .args(format_args!("Task 'get_data' status: 'fail'\nboom"))
            .build();
        let text = line("%(levelname)-8s %(task_name)s %(message)s", &record);
        assert_eq!(
            text,
            "ERROR    get_data Task 'get_data' status: 'fail'\nboom"
        );
        let text = line("[%(name)s] %(action)5s 100%%", &record);
        assert_eq!(text, "[redengine::task]  fail 100%");
        let asctime = line("%(asctime)s", &record);
        // 2024-01-03 08:00:02,500
        assert_eq!(asctime.len(), 23, "{asctime}");
        assert_eq!(&asctime[19..20], ",", "{asctime}");
    }

    #[test]
    fn scheduler_events_have_an_empty_task_name() {
        let record = Record::builder()
            .level(Level::Info)
            .target("redengine::scheduler")
            .args(format_args!("shutting down"))
            .build();
        assert_eq!(
            line("%(levelname)-8s %(task_name)s %(message)s", &record),
            "INFO      shutting down"
        );
    }

    #[test]
    fn bad_formats_name_the_placeholder() {
        for (format, says) in [
            ("%(time)s", "unknown field `time`"),
            ("%(message)d", "`%(message)` must end with `s`"),
            ("100%", "a `%` is not followed by `(field)`"),
            ("%(message", "a `%(` has no closing `)`"),
        ] {
            match Format::parse(format) {
                Ok(f) => panic!("{format:?} accepted as {f:?}"),
                Err(e) => {
                    assert!(e.contains(says), "{format:?}: {e}");
                    assert!(e.contains("task_name"), "{e}");
                }
            }
        }
    }
}
