//! The file loader: shell-command tasks defined in TOML files (what Red Engine's
//! `PyLoader` did for Python files).
//!
//! ```toml
//! # tasks/backup.toml — every file matching the glob may hold any number of tasks
//! [[task]]
//! name = "backup"
//! command = "tar czf {target} \"$HOME\""   # a shell line, run with `sh -c`
//! start_cond = "daily after 02:00"
//! timeout = "1 hour"                        # or a number of seconds, or "never"
//! parameters = { target = "/var/backups/home.tgz" }
//!
//! [[task]]
//! name = "ping"
//! args = ["ping", "-c", "1", "{host}"]      # a program and its arguments, no shell
//! start_cond = "every 5 minutes"
//! execution = "thread"                      # `thread` (default) or `main`
//! priority = 1
//! env = { LC_ALL = "C" }
//! ```
//!
//! Keys: `name`, `command` *or* `args`, `start_cond`, `end_cond`, `execution`, `timeout`,
//! `priority`, `parameters`, `env`, `disabled`, `zone` (the task's own time zone),
//! `misfire` (what it does about occurrences missed while the scheduler was down), and
//! the retry keys `retries`, `retry_delay`, `retry_backoff`, `retry_max_delay`,
//! `retry_jitter`, `max_instances` (docs/runtime.md, "Retries"). Each task is a
//! `CommandTask`: see it for exit codes, output capture,
//! termination and how parameters reach the command (`{name}` placeholders and
//! `REDENGINE_PARAM_<NAME>`). A placeholder that names no entry of `parameters` reads the
//! session parameter of that name (a `String`); ignite reports it when there is none.
//! With `command`, a placeholder's value is pasted into a shell line: for values that may
//! hold shell syntax, use `"$REDENGINE_PARAM_NAME"` in the line (or `args`) instead.
//!
//! * **Errors.** Conditions are checked with the same parser as everywhere else; every
//!   problem of a file is reported with `file:line:column`. A bad entry (or a bad file)
//!   never stops the other tasks: at start-up its problems are logged at error level on
//!   target `redengine::scheduler` and the rest is scheduled. `Session::ignite`
//!   (the `check` command) reports them as errors. A loaded task may not reuse the name of
//!   another task.
//! * **A bad edit.** When a file that loaded without problems is changed into one with
//!   problems (a typo), its problems are reported with file and line and its last good
//!   version stays loaded — its tasks keep running — until the file is valid again.
//! * **Reload.** While the scheduler runs, the files' modification times and sizes are
//!   polled at most every [`Loader::poll_every`] (5 s by default) from the cycle, on the
//!   session's clock: the idle loop wakes for it, and does nothing else. An added or changed
//!   file adds or replaces its tasks, a removed file removes them. A run of a replaced or
//!   removed task that is in progress finishes and is logged under its name. Tasks added
//!   by a reload are checked after the tasks that were there at start-up.
//!

mod fields;
mod file;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::error::{Error, Problem, Result};
use crate::location::Location;
use crate::task::Task;

use file::{FileTasks, LoadedTask};

/// The shortest poll interval [`Loader::poll_every`] accepts.
const MIN_POLL: Duration = Duration::from_millis(100);

/// Where task files are and how often they are re-checked; give it to
/// `SessionBuilder::loader`, or use
/// `SessionBuilder::load_tasks`.
#[derive(Debug, Clone)]
pub struct Loader {
    dir: PathBuf,
    pattern: glob::Pattern,
    every: Duration,
}

impl Loader {
    /// Task files under `dir` whose path relative to `dir` matches `glob` (`**/*.toml`:
    /// every `.toml` file at any depth; `*` does not cross `/`).
    pub fn new(dir: impl Into<PathBuf>, glob: &str) -> Result<Self> {
        match glob::Pattern::new(glob) {
            Ok(pattern) => Ok(Loader {
                dir: dir.into(),
                pattern,
                every: Duration::from_secs(5),
            }),
            Err(e) => Err(Error::config(
                "load_tasks",
                glob,
                &format!("a glob such as `**/*.toml` ({e})"),
            )),
        }
    }

    /// How often a running scheduler looks for changed files (default 5 s; at least
    /// 100 ms, so an idle scheduler never spins on the file system).
    pub fn poll_every(mut self, every: Duration) -> Self {
        self.every = every.max(MIN_POLL);
        self
    }

    /// The matching files, sorted; an unreadable directory is one problem.
    fn files(&self) -> (Vec<PathBuf>, Vec<Problem>) {
        let mut found = Vec::new();
        let mut problems = Vec::new();
        let mut dirs = vec![self.dir.clone()];
        let options = glob::MatchOptions {
            require_literal_separator: true,
            ..glob::MatchOptions::new()
        };
        while let Some(dir) = dirs.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) => {
                    problems.push(Problem {
                        location: None,
                        message: format!(
                            "task loader: cannot read the directory {}: {e}; create it or fix \
                             the path given to load_tasks",
                            dir.display()
                        ),
                    });
                    continue;
                }
            };
            for entry in entries.flatten() {
                let path = entry.path();
                match entry.file_type() {
                    Ok(t) if t.is_dir() => dirs.push(path),
                    Ok(_) => {
                        let rel = path.strip_prefix(&self.dir).unwrap_or(&path);
                        if self.pattern.matches_path_with(rel, options) {
                            found.push(path);
                        }
                    }
                    Err(_) => {}
                }
            }
        }
        found.sort();
        (found, problems)
    }
}

/// One file as last read.
struct FileEntry {
    stamp: (Option<SystemTime>, u64),
    /// The tasks in effect and the problems of the latest read.
    read: FileTasks,
    /// The latest read had problems, so `read.tasks` are still those of the last read
    /// without any: a bad edit never removes a running task.
    stale: bool,
}

/// Added to each problem of a file whose last good version stays loaded.
pub(crate) const KEPT: &str = "the file's last good version stays loaded until it is fixed";

/// The loader's state inside a session.
pub(crate) struct LoaderState {
    config: Loader,
    files: BTreeMap<PathBuf, FileEntry>,
    /// Directory problems of the last scan.
    scan_problems: Vec<Problem>,
}

impl LoaderState {
    /// Reads every file once.
    pub(crate) fn new(config: Loader) -> Self {
        let mut state = LoaderState {
            config,
            files: BTreeMap::new(),
            scan_problems: Vec::new(),
        };
        state.scan();
        state
    }

    /// How often a running scheduler looks for changed files.
    pub(crate) fn poll_interval(&self) -> Duration {
        self.config.every
    }

    /// Re-reads added and changed files and forgets removed ones; `true` if anything
    /// changed.
    pub(crate) fn scan(&mut self) -> bool {
        let (paths, problems) = self.config.files();
        let mut changed = problems != self.scan_problems;
        self.scan_problems = problems;
        let before = self.files.len();
        self.files.retain(|p, _| paths.contains(p));
        changed |= self.files.len() != before;
        for path in paths {
            let stamp = match std::fs::metadata(&path) {
                Ok(m) => (m.modified().ok(), m.len()),
                Err(_) => (None, 0),
            };
            if self.files.get(&path).is_some_and(|f| f.stamp == stamp) {
                continue;
            }
            changed = true;
            let shown = intern(&path);
            let read = match std::fs::read_to_string(&path) {
                Ok(text) => file::read(shown, &text),
                Err(e) => FileTasks {
                    tasks: Vec::new(),
                    problems: vec![Problem {
                        location: Some(Location::new(shown, 1, 1)),
                        message: format!("cannot read task file: {e}"),
                    }],
                },
            };
            // A bad edit of a file that was good (or is being kept) keeps its tasks.
            let entry = match self.files.remove(&path) {
                Some(old)
                    if !read.problems.is_empty() && (old.stale || old.read.problems.is_empty()) =>
                {
                    FileEntry {
                        stamp,
                        read: FileTasks {
                            tasks: old.read.tasks,
                            problems: read.problems,
                        },
                        stale: true,
                    }
                }
                _ => FileEntry {
                    stamp,
                    read,
                    stale: false,
                },
            };
            self.files.insert(path, entry);
        }
        changed
    }

    /// Every task the files define, with its fingerprint (what a reload compares).
    pub(crate) fn loaded(&self) -> impl Iterator<Item = (&Task, u64)> {
        self.files
            .values()
            .flat_map(|f| f.read.tasks.iter())
            .map(|l: &LoadedTask| (&l.task, l.fingerprint))
    }

    /// Every task the files define.
    pub(crate) fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.loaded().map(|(task, _)| task)
    }

    /// Every problem found in the files and directories.
    pub(crate) fn problems(&self) -> Vec<Problem> {
        let mut all = self.scan_problems.clone();
        for entry in self.files.values() {
            all.extend(entry.read.problems.iter().map(|p| match entry.stale {
                false => p.clone(),
                true => Problem {
                    location: p.location,
                    message: format!("{}; {KEPT}", p.message),
                },
            }));
        }
        all
    }
}

/// Interns a file's display path: [`Location`] holds `&'static str` (it is `Copy` and
/// built by `file!()` for code). One leak per distinct task file path, never per read.
fn intern(path: &Path) -> &'static str {
    static PATHS: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let shown = path.display().to_string();
    let mut paths = match PATHS.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(known) = paths.iter().find(|p| **p == shown) {
        return known;
    }
    let leaked: &'static str = Box::leak(shown.into_boxed_str());
    paths.push(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_selects_files_at_any_depth() {
        let dir =
            std::env::temp_dir().join(format!("redengine-loader-glob-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub/deeper")).unwrap();
        for f in ["a.toml", "sub/b.toml", "sub/deeper/c.toml", "sub/notes.txt"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        let loader = Loader::new(&dir, "**/*.toml").unwrap();
        let (files, problems) = loader.files();
        assert!(problems.is_empty());
        let rel: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        assert_eq!(rel, ["a.toml", "sub/b.toml", "sub/deeper/c.toml"]);
        let top = Loader::new(&dir, "*.toml").unwrap();
        assert_eq!(top.files().0.len(), 1);
        assert!(Loader::new(&dir, "[")
            .unwrap_err()
            .to_string()
            .contains("load_tasks"));
        assert_eq!(intern(&dir.join("a.toml")), intern(&dir.join("a.toml")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
