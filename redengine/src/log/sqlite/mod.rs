//! The SQLite log (`SqliteLog`, with the `sqlite` feature): the task log in an embedded
//! SQLite database (`docs/log.md`, "The SQLite log").
//!
//! This module is always compiled for [`is_sqlite_path`] and [`open_path`], so that a
//! program built without the feature says which feature a `tasks.db` log needs instead
//! of taking it for a CSV file name.

#[cfg(feature = "sqlite")]
mod query;
#[cfg(feature = "sqlite")]
mod rows;
#[cfg(feature = "sqlite")]
mod schema;
#[cfg(feature = "sqlite")]
mod store;

#[cfg(feature = "sqlite")]
pub use self::store::SqliteLog;

use std::path::Path;

use super::LogStore;

/// The file extensions that choose the SQLite store for a `--log` path.
pub const SQLITE_EXTENSIONS: &[&str] = &["db", "sqlite", "sqlite3"];

/// Whether `path` names an SQLite log by its extension (`.db`, `.sqlite`, `.sqlite3`).
pub fn is_sqlite_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SQLITE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The store for an SQLite database at `path`, or why there is none (a build without
/// the `sqlite` feature): what `--log tasks.db`, `log import`/`log export` of such a
/// file and the `log_sqlite` key open.
pub(crate) fn open_path(path: &Path) -> Result<Box<dyn LogStore>, String> {
    #[cfg(feature = "sqlite")]
    {
        Ok(Box::new(SqliteLog::new(path)))
    }
    #[cfg(not(feature = "sqlite"))]
    {
        Err(no_feature(path))
    }
}

/// Whether this build can keep a log at `path` in SQLite, without opening anything: the
/// error naming the `sqlite` feature in a build without it. The `log_sqlite` key asks
/// this; the builder opens the store later.
pub(crate) fn available(path: &Path) -> Result<(), String> {
    #[cfg(feature = "sqlite")]
    {
        let _ = path;
        Ok(())
    }
    #[cfg(not(feature = "sqlite"))]
    {
        Err(no_feature(path))
    }
}

/// The error of an SQLite log in a build without the feature, naming the file.
#[cfg(not(feature = "sqlite"))]
pub(crate) fn no_feature(path: &Path) -> String {
    format!(
        "the SQLite log `{}` needs redengine's `sqlite` feature: add \
         `features = [\"sqlite\"]` to the program's redengine dependency and rebuild, or \
         keep the task log in CSV (the default, `log/tasks.csv`)",
        path.display()
    )
}

#[cfg(all(test, not(feature = "sqlite")))]
mod tests {
    use super::*;

    #[test]
    fn an_sqlite_path_without_the_feature_names_the_file_and_the_feature() {
        let Err(e) = open_path(Path::new("log/tasks.db")) else {
            panic!("an SQLite store without the `sqlite` feature");
        };
        assert!(e.contains("`log/tasks.db`"), "{e}");
        assert!(e.contains("`sqlite` feature"), "{e}");
        assert!(e.contains(r#"features = ["sqlite"]"#), "{e}");
    }

    #[test]
    fn sqlite_extensions_are_recognised_without_the_feature() {
        for name in ["a.db", "a.SQLITE", "dir/a.sqlite3"] {
            assert!(is_sqlite_path(Path::new(name)), "{name}");
        }
        assert!(!is_sqlite_path(Path::new("log/tasks.csv")));
    }
}
