//! The console logger: task events and scheduler messages on the terminal, without a
//! logging crate.
//!
//! The scheduler reports every task record on the [`log`] facade (target
//! `redengine::task`, with the key-values `task_name` and `action`) and its own events on
//! `redengine::scheduler`. Nothing is printed unless a logger is installed, so the
//! generated `main` of `#[redengine::main]` installs this one when the program has not
//! installed its own: a new program shows what its tasks do, a failure with its error
//! text included, from the first run.
//!
//! Each record is one line in the format of Python's `logging`, by default
//! [`FORMAT`] — `2024-01-03 08:00:02,500 INFO     get_data Task 'get_data' status: 'run'`
//! (the task-name column is empty for scheduler events). How much is printed is read from
//! the environment variable [`ENV`] (`REDENGINE_LOG`) in the `RUST_LOG` style: a level
//! (`off`, `error`, `warn`, `info` — the default —, `debug`, `trace`) and/or
//! `TARGET=LEVEL` directives separated by commas, e.g. `REDENGINE_LOG=warn` or
//! `REDENGINE_LOG=info,redengine::scheduler=warn`.
//!
//! A program that installs its own logger (`env_logger`, `log4rs`, …) keeps it: the
//! console is installed only if no logger is set yet, and only in the scheduler process
//! (a process task's child sends its records to the scheduler, which prints them).
//!
//! Problems the user must act on — a task file that cannot be read or has a mistake —
//! are written to stderr even when another logger is installed or the console is
//! configured to print elsewhere or less.
//!
//! From a hand-written `main`, install it with [`init`] or configure it with [`Console`]:
//!
//! ```
//! use redengine::console::{Console, LevelFilter};
//!
//! fn main() {
//!     // Red Engine's console handler: every task event at INFO and above, on stdout.
//!     let installed = Console::new()
//!         .format("%(asctime)s %(levelname)-8s %(task_name)s %(message)s")
//!         .level(LevelFilter::Info)
//!         .stdout()
//!         .install()
//!         .expect("a valid console format");
//!     // `false`: a logger was installed before, and it is kept.
//!     let _ = installed;
//!     log::info!(target: "redengine::scheduler", "ready");
//! }
//! ```

mod filter;
mod format;

use std::fmt;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use log::{Level, Log, Metadata, Record};

pub use log::LevelFilter;

use self::filter::Filter;
use self::format::Format;

/// The default line format, the `task_logger` formatter of Red Engine's guide.
pub const FORMAT: &str = "%(asctime)s %(levelname)-8s %(task_name)s %(message)s";

/// The environment variable with the `RUST_LOG`-style level directives.
pub const ENV: &str = "REDENGINE_LOG";

/// Installs the console logger with the defaults ([`FORMAT`], INFO and above or as
/// [`ENV`] says, on stderr). `false` if a logger was already installed (it is kept) or
/// this process is a process task's child.
pub fn init() -> bool {
    Console::new().install().unwrap_or(false)
}

/// A console logger being configured; [`Console::install`] makes it the program's logger.
#[derive(Debug, Clone)]
#[must_use = "a Console does nothing until `.install()`"]
pub struct Console {
    format: String,
    level: LevelFilter,
    stdout: bool,
}

impl Default for Console {
    fn default() -> Self {
        Console::new()
    }
}

impl Console {
    /// The defaults: [`FORMAT`], INFO and above, on stderr.
    pub fn new() -> Console {
        Console {
            format: FORMAT.to_string(),
            level: LevelFilter::Info,
            stdout: false,
        }
    }

    /// The line format: text with `%(field)s` placeholders, optionally padded
    /// (`%(levelname)-8s` left-aligns in 8 columns, `%(levelname)8s` right-aligns), and
    /// `%%` for a percent sign. The fields are `asctime` (local time,
    /// `2024-01-03 08:00:02,500`), `levelname`, `name` (the record's target),
    /// `task_name` and `action` (empty for scheduler events) and `message`.
    pub fn format(mut self, format: &str) -> Console {
        self.format = format.to_string();
        self
    }

    /// The level printed when [`ENV`] does not say otherwise (`INFO` by default).
    pub fn level(mut self, level: LevelFilter) -> Console {
        self.level = level;
        self
    }

    /// Print on standard output (Red Engine's `StreamHandler(sys.stdout)`).
    pub fn stdout(mut self) -> Console {
        self.stdout = true;
        self
    }

    /// Print on standard error (the default).
    pub fn stderr(mut self) -> Console {
        self.stdout = false;
        self
    }

    /// Makes this the program's logger. `Ok(false)` if a logger was already installed
    /// (the program's own logger is kept) or this process is a process task's child;
    /// `Err` if the format is wrong. An unreadable [`ENV`] value is reported on stderr
    /// and the configured level used.
    pub fn install(self) -> Result<bool, ConsoleError> {
        let format = Format::parse(&self.format).map_err(ConsoleError)?;
        if crate::task_env::in_task_child() {
            return Ok(false);
        }
        let base = Filter::level(self.level);
        let filter = match std::env::var(ENV) {
            Ok(text) => base.clone().parse(&text).unwrap_or_else(|e| {
                eprintln!(
                    "warning: {ENV}={text:?}: {e}; printing {} and above",
                    self.level
                );
                base
            }),
            Err(_) => base,
        };
        let mut fresh = false;
        let logger = LOGGER.get_or_init(|| {
            fresh = true;
            Logger {
                format,
                filter,
                stdout: self.stdout,
            }
        });
        if !fresh || log::set_logger(logger).is_err() {
            return Ok(false);
        }
        log::set_max_level(logger.filter.max());
        INSTALLED.store(true, Ordering::SeqCst);
        Ok(true)
    }
}

/// A console format that cannot be used; the text names the placeholder and the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleError(String);

impl fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConsoleError {}

/// The installed console (at most one per process).
static LOGGER: OnceLock<Logger> = OnceLock::new();
/// Whether [`LOGGER`] is the program's logger (another logger may have been set first).
static INSTALLED: AtomicBool = AtomicBool::new(false);
/// The problems [`problem`] reported: `check` lists them and exits non-zero.
static PROBLEMS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Logger {
    format: Format,
    filter: Filter,
    stdout: bool,
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.filter.enabled(metadata.target(), metadata.level())
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let mut line = self.format.render(record);
        line.push('\n');
        // A closed stream (`| head`) must not stop the scheduler: write errors are ignored.
        let _ = if self.stdout {
            std::io::stdout().lock().write_all(line.as_bytes())
        } else {
            std::io::stderr().lock().write_all(line.as_bytes())
        };
    }

    fn flush(&self) {
        let _ = std::io::stdout().lock().flush();
    }
}

/// Installs the console unless the program installed a logger: the generated `main`'s
/// default. A wrong `REDENGINE_LOG` is reported by `install`.
pub(crate) fn install_default() {
    let _ = Console::new().install();
}

/// Reports a problem the user must act on: at error level on `target`, and on stderr
/// unless the console already printed it there.
pub(crate) fn problem(target: &'static str, text: &str) {
    PROBLEMS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(text.to_string());
    log::error!(target: target, "{text}");
    let shown = INSTALLED.load(Ordering::SeqCst)
        && LOGGER
            .get()
            .is_some_and(|l| !l.stdout && l.filter.enabled(target, Level::Error));
    if !shown {
        eprintln!("error: {text}");
    }
}

/// How many problems [`problem`] has reported in this process.
pub(crate) fn problems_reported() -> usize {
    PROBLEMS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .len()
}

/// The problems reported after the first `count`.
pub(crate) fn problems_since(count: usize) -> Vec<String> {
    let all = PROBLEMS.lock().unwrap_or_else(PoisonError::into_inner);
    all.get(count..).unwrap_or_default().to_vec()
}
