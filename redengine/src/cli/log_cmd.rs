//! `log import FILE`, `log export FILE` and `log compact`: moving records between stores
//! and the explicit compaction of a CSV log.

use std::path::Path;

use chrono::Utc;

use super::command::LogCommand;
use super::failure::Failure;
use super::failure::UsageError;
use crate::log::{is_sqlite_path, CsvLog, HistoryQuery, LogError, LogStore, Retention};
use crate::session::Session;

/// Runs `command` on the session's log; the text to print.
pub(super) fn log(session: &mut Session, command: &LogCommand) -> Result<String, Failure> {
    match command {
        LogCommand::Import(file) => import(session, file),
        LogCommand::Export(file) => export(session, file),
        LogCommand::Compact => compact(session),
    }
}

/// A store for a file named on the command line: SQLite by extension (an error naming
/// the `sqlite` feature without it), else CSV.
fn store_at(path: &Path) -> Result<Box<dyn LogStore>, Failure> {
    if is_sqlite_path(path) {
        crate::log::open_sqlite(path).map_err(Failure::Runtime)
    } else {
        Ok(Box::new(CsvLog::new(path)))
    }
}

/// The log `log import` suggests to import into: a new SQLite database when the build
/// has one, else a new CSV file.
const NEW_LOG: &str = if cfg!(feature = "sqlite") {
    "NEW.db"
} else {
    "NEW.csv"
};

fn runtime(e: LogError) -> Failure {
    Failure::Runtime(e.to_string())
}

fn import(session: &mut Session, file: &Path) -> Result<String, Failure> {
    if !file.is_file() {
        return Err(Failure::Runtime(format!(
            "`log import`: there is no file `{}`; give the path of a task log (CSV, or \
             SQLite by its .db/.sqlite/.sqlite3 extension)",
            file.display()
        )));
    }
    let records = store_at(file)?.peek().map_err(runtime)?;
    // Opening for appending takes the instance lock: refused while a scheduler runs.
    let existing = session.store.load().map_err(runtime)?;
    if !existing.is_empty() {
        return Err(Failure::Runtime(format!(
            "`log import`: the {} already holds {} records, and importing would mix two \
             histories; import into a new log with `--log {NEW_LOG} log import {}`",
            session.store.describe(),
            existing.len(),
            file.display()
        )));
    }
    session.store.append_all(&records).map_err(runtime)?;
    session.store.sync().map_err(runtime)?;
    Ok(format!(
        "imported {} record{} from {} into the {}\n",
        records.len(),
        if records.len() == 1 { "" } else { "s" },
        file.display(),
        session.store.describe()
    ))
}

fn export(session: &mut Session, file: &Path) -> Result<String, Failure> {
    if std::fs::metadata(file).is_ok_and(|m| m.len() > 0) {
        return Err(Failure::Runtime(format!(
            "`log export`: `{}` already exists; export writes a new file: move it away or \
             choose another name",
            file.display()
        )));
    }
    let records = session.store.peek().map_err(runtime)?;
    let mut out = store_at(file)?;
    out.load().map_err(runtime)?;
    out.append_all(&records).map_err(runtime)?;
    out.sync().map_err(runtime)?;
    Ok(format!(
        "exported {} record{} from the {} to the {}\n",
        records.len(),
        if records.len() == 1 { "" } else { "s" },
        session.store.describe(),
        out.describe()
    ))
}

fn compact(session: &mut Session) -> Result<String, Failure> {
    let Some(retention) = session.config.log_retention else {
        return Err(Failure::Usage(UsageError {
            message: "`log compact` needs to know what to keep, and no `log_retention` is set"
                .to_string(),
            help: Some(
                "set the config key `log_retention` (e.g. \"90 days\" or \"100000 records\") \
                 or call `SessionBuilder::log_retention`"
                    .to_string(),
            ),
        }));
    };
    let cutoff = match retention {
        Retention::Age(age) => chrono::Duration::from_std(age)
            .ok()
            .and_then(|age| session.clock.now().checked_sub_signed(age)),
        Retention::Records(n) => {
            let nth = HistoryQuery::new()
                .offset(usize::try_from(n - 1).unwrap_or(usize::MAX))
                .limit(1);
            let found = session.store.history(&nth).map_err(runtime)?;
            found.first().map(|r| r.created.with_timezone(&Utc))
        }
    };
    let describe = session.store.describe();
    let Some(cutoff) = cutoff else {
        return Ok(format!(
            "the {describe} holds no record older than the retention\n"
        ));
    };
    let done = session.store.compact(cutoff).map_err(runtime)?;
    let mut text = format!(
        "compacted the {describe}: {} record{} kept, {} dropped\n",
        done.kept,
        if done.kept == 1 { "" } else { "s" },
        done.dropped
    );
    if let Some(backup) = done.backup {
        text.push_str(&format!("the old log is kept at {}\n", backup.display()));
    }
    Ok(text)
}

// store: `log import`/`log export` of an SQLite file in a build without the feature.
#[cfg(all(test, not(feature = "sqlite")))]
mod tests {
    use super::*;

    #[test]
    fn an_sqlite_file_without_the_feature_is_an_error_naming_it() {
        let Err(Failure::Runtime(e)) = store_at(Path::new("old/tasks.sqlite3")) else {
            panic!("an SQLite store without the `sqlite` feature");
        };
        assert!(e.contains("`old/tasks.sqlite3`"), "{e}");
        assert!(e.contains(r#"features = ["sqlite"]"#), "{e}");
        assert_eq!(NEW_LOG, "NEW.csv");
    }
}
