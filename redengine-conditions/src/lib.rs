//! The condition language of redengine: the strings in `start_cond`, `end_cond` and
//! `shut_cond` that say *when* a task runs, ends, or the scheduler shuts down.
//!
//! ```
//! use redengine_conditions::parse;
//!
//! let cond = parse("daily between 08:00 and 08:15 | after task 'get_data' succeeded")?;
//! assert_eq!(cond.to_string(), "daily between 08:00 and 08:15 | after task 'get_data'");
//! # Ok::<(), redengine_conditions::ParseError>(())
//! ```
//!
//! [`parse`] turns a string into a [`Condition`] tree, or a [`ParseError`] that points at
//! the offending text and says how to fix it. [`parse_all`] reports every error at once
//! (what the proc macros and the runtime's start-up check show). `Display` prints the
//! canonical form, which always parses back to the same tree. Evaluation against a task
//! history lives behind the default `eval` feature.
//!
//! The normative text is the project's `spec/CONDITIONS.md`; this page is the reference a
//! user reads. Every example on it is a test.
//!
//! # Structure
//!
//! A condition is **phrases** combined with operators. Outside single quotes the five
//! characters `~ & | ( )` are always operators; everything between two operators is one
//! phrase, trimmed.
//!
//! | operator | meaning | precedence |
//! |---|---|---|
//! | `~c` | not | highest (prefix only) |
//! | `a & b` | and (n-ary, left to right, short-circuit) | middle |
//! | `a \| b` | or (n-ary, left to right, short-circuit) | lowest |
//! | `( … )` | grouping | |
//!
//! ```
//! use redengine_conditions::{parse, Condition::*};
//!
//! // `|` binds loosest, `~` tightest; `~~x` is `x`; `&`/`|` flatten.
//! assert_eq!(parse("true | false & false")?, Any(vec![True, All(vec![False, False])]));
//! assert_eq!(parse("~true & false")?, All(vec![Not(Box::new(True)), False]));
//! assert_eq!(parse("~~true")?, True);
//! assert_eq!(parse("(true & false) & true")?, All(vec![True, False, True]));
//! // Any whitespace around operators, including newlines.
//! assert_eq!(parse("true&\n  false")?, All(vec![True, False]));
//! # Ok::<(), redengine_conditions::ParseError>(())
//! ```
//!
//! Inside a phrase, keywords are lower-case and separated by **exactly one space**; values
//! (times, durations, names, numbers, cron fields) may have more spaces around them.
//!
//! # Phrases
//!
//! `A`/`B` are anchors (see [Values](#values)), `D` a duration, `N` a number, `'n'` a
//! quoted task name. `[x]` is optional. Task-bound phrases without `task 'n'` talk about
//! the task that owns the condition.
//!
//! | phrase | true when |
//! |---|---|
//! | `true`, `always true` / `false`, `always false` | always / never |
//! | `[run ]F` (`F` = `minutely`, `hourly`, `daily`, `weekly`, `monthly`) | the owner has not finished in the current period |
//! | `[run ]F between A and B`, `F after A`, `F before B`, `F starting A`, `F on A` | the same, inside that window of each period |
//! | `[run ]secondly` | once per clock second (no window) |
//! | `[run ]every D` | the owner has not finished within the last `D` |
//! | `cron M H DOM MON DOW` | a matching minute in which the owner has not started |
//! | `after task 'n' [succeeded\|failed\|finished]` | `n` had that outcome since the owner last started (default `succeeded`) |
//! | `after tasks 'a', 'b' [outcome]` / `after any tasks 'a', 'b' [outcome]` | all / any of them |
//! | `[task 'n' ]has S` | `S` happened ever |
//! | `[task 'n' ]has S P [window]` (`P` = `this minute`, `this hour`, `today`, `this week`, `this month`) | `S` happened in the current period |
//! | `[task 'n' ]has S [in ]past D` | `S` happened in the last `D` |
//! | `[while ]task 'n' is running` | a run of `n` is in progress |
//! | `time of U between A and B`, `… after A`, `… before B`, `… on A` (`U` = `minute`, `hour`, `day`, `week`, `month`) | now is in the window |
//! | `scheduler has more than N cycles`, `… less than N cycles`, `scheduler has N cycles` | compares completed cycles |
//! | `scheduler started D ago` / `scheduler has run over D` | running for at most / more than `D` |
//! | `env 'v'`, `param 'k' exists`, `param 'k' is 'v'` | session parameters |
//! | `snake_case_name` | a custom `#[condition]` function returns true |
//!
//! The states `S`: `succeeded`, `failed`, `finished` (success, fail or terminate),
//! `terminated`, `inacted`, `started`, `crashed`.
//!
//! ```
//! use std::time::Duration;
//! use redengine_conditions::*;
//!
//! assert_eq!(parse("run daily")?, parse("daily")?);
//! assert_eq!(parse("every 1h 30min")?, Condition::Every(Duration::from_secs(5_400)));
//! assert_eq!(
//!     parse("after tasks 'a', 'b' failed")?,
//!     Condition::After(AfterTasks {
//!         tasks: vec!["a".into(), "b".into()],
//!         any: false,
//!         outcome: Outcome::Failed,
//!     })
//! );
//! assert_eq!(
//!     parse("task 'x' has succeeded in past 2 hours")?,
//!     Condition::Has(HasState {
//!         task: Some("x".into()),
//!         state: TaskState::Succeeded,
//!         when: HasWindow::Past(Duration::from_secs(7_200)),
//!     })
//! );
//! assert_eq!(parse("while task 'x' is running")?, Condition::IsRunning("x".into()));
//! assert_eq!(
//!     parse("scheduler has more than 2 cycles")?,
//!     Condition::SchedulerCycles { comparison: Comparison::MoreThan, count: 2 }
//! );
//! assert_eq!(parse("param 'mode' is 'fast'")?.to_string(), "param 'mode' is 'fast'");
//! assert_eq!(parse("is_weekend_sale")?, Condition::Custom("is_weekend_sale".into()));
//! # Ok::<(), ParseError>(())
//! ```
//!
//! # Values
//!
//! Anchors depend on the scope of the period they are in:
//!
//! | scope | anchor syntax | examples |
//! |---|---|---|
//! | minute (`minutely`, `time of minute`, `this minute`) | seconds `SS[.f]` | `minutely between 10 and 20` |
//! | hour (`hourly`, `time of hour`, `this hour`) | `MM:SS[.f]`, or quarter `Nq` / `N quarter` (N = 1–4, the last µs of that quarter hour) | `hourly after 45:00`, `hourly before 1q` |
//! | day (`daily`, `time of day`, `today`) | `H:MM`, `HH:MM[:SS[.f]]`, `8am`, `8:30 PM`; `24:00` as an end only | `daily between 22:00 and 24:00` |
//! | week (`weekly`, `time of week`, `this week`) | day name (any case, full or 3 letters) `[time]` | `weekly on Tue 10:00` |
//! | month (`monthly`, `time of month`, `this month`) | `N[st\|nd\|rd\|th\|.] [time]`, N = 1–31 (clamped to short months) | `monthly between 31st and 2nd` |
//!
//! A day-only week or month anchor means 00:00 at the start of a window and the end of
//! that day at its end. Windows include both ends and wrap when `B` comes before `A`.
//!
//! ```
//! use chrono::Weekday;
//! use redengine_conditions::{parse, Anchor, Condition, Period, Scope, Window};
//!
//! const H: u64 = 3_600_000_000; // one hour in microseconds
//! assert_eq!(
//!     parse("daily between 8pm and 24:00")?,
//!     Condition::Periodic(Period {
//!         scope: Scope::Day,
//!         window: Window::Between(Anchor::Offset(20 * H), Anchor::Offset(24 * H)),
//!     })
//! );
//! assert_eq!(
//!     parse("time of week on FRI 18:00")?,
//!     Condition::TimeOf(Period {
//!         scope: Scope::Week,
//!         window: Window::On(Anchor::Weekday { day: Weekday::Fri, time: Some(18 * H) }),
//!     })
//! );
//! // The quarter forms are the last microsecond of the quarter hour.
//! assert_eq!(parse("hourly after 3 quarter")?.to_string(), "hourly after 44:59.999999");
//! # Ok::<(), redengine_conditions::ParseError>(())
//! ```
//!
//! **Durations** are one or more `<integer> <unit>` terms, summed: `10 minutes`, `90s`,
//! `1h 30min`, `2 weeks`. Units: `s` `sec` `second(s)`, `min` `minute(s)`, `h` `hour(s)`,
//! `d` `day(s)`, `w` `week(s)`. [`parse_duration`] is the same parser on its own.
//!
//! **Cron** takes five fields `M H DOM MON DOW`; a field is `*` or a comma list of `v`,
//! `a-b`, `*/s`, `a-b/s`, `a/s`; months and weekdays may be names (`jan`, `mon`), and day
//! of week 0 and 7 are Sunday. If both day fields are restricted, either may match.
//!
//! **Names** are in single quotes; inside them anything goes (`after task 'a&b'`), `\'`
//! is a quote and `\\` a backslash.
//!
//! **Custom conditions** are `snake_case` identifiers that are not [`KEYWORDS`] and not one
//! edit away from a long phrase keyword (`dialy` is a typo, not a custom condition).
//!
//! # Errors
//!
//! Every rejected string gets a message, the offending span under a caret line, and a help:
//!
//! ```
//! use redengine_conditions::parse;
//!
//! let e = parse("true & & false").unwrap_err();
//! assert_eq!(e.to_string(), "\
//! expected a condition between `&` and `&`
//!   true & & false
//!          ^
//!   help: remove one `&`");
//!
//! let e = parse("daily after 8").unwrap_err();
//! assert_eq!(e.message(), "`8` is not a time of day");
//! assert_eq!(e.help(), Some("write `08:00` or `8am`"));
//!
//! assert_eq!(parse("Daily").unwrap_err().message(), "keywords are lower-case; did you mean `daily`?");
//! assert_eq!(parse("dialy").unwrap_err().message(), "unknown condition `dialy`; did you mean `daily`?");
//! assert_eq!(parse("after task \"x\"").unwrap_err().message(), "task names use single quotes; write `'x'`");
//! assert_eq!(parse("never").unwrap_err().help(), Some("write `false`"));
//! assert_eq!(parse("has run").unwrap_err().help(), Some("write `has started`"));
//! assert_eq!(parse("true and false").unwrap_err().help(), Some("write `&` instead of `and`"));
//! assert_eq!(parse("every 10").unwrap_err().message(), "missing unit");
//! assert_eq!(parse("hourly after 15").unwrap_err().message(), "hour anchors are `MM:SS`; minute 15 is `15:00`");
//! assert_eq!(parse("monthly on 32nd").unwrap_err().message(), "day of month must be 1–31");
//! assert_eq!(parse("(true").unwrap_err().message(), "unclosed `(`");
//! ```
//!
//! Not part of the language, each with a hint: `always` and `never` alone, `past D` alone,
//! `has run`, `yesterday`, `time of year`, `time of second`, and `and`/`or`/`not` as
//! operators.
//!
//! # Differences from Red Engine 2.0.1
//!
//! The language is Red Engine's, with its bugs fixed on purpose:
//!
//! * **The log is the truth.** A restarted scheduler answers exactly as if it had never
//!   stopped (a `daily` task that succeeded today does not run again), runs left
//!   unfinished by a dead process are closed with `crash` (they do not block `daily` or
//!   `every`, and `has crashed` exists), and `is running` is true only while a run is in
//!   progress.
//! * **Errors, not guesses.** Malformed operator sequences (`true & & false`, `~~` alone,
//!   `(false) true`), a bare number as a time (`daily after 8`), out-of-range values
//!   (`25:00`, `hourly after 60:00`, `minutely after 61`, the 32nd), `every 10` without a
//!   unit and `between A and B and C` are errors with a position; Red Engine built another
//!   condition or failed when the condition was evaluated.
//! * **Friendlier input.** Day names in any case, keywords in the wrong case get a hint,
//!   task names may contain `& | ~ ( )` and `\'`, and double quotes get a hint.
//! * **One rule each.** Bare `has succeeded` means "ever"; `param 'abc' exists` checks
//!   `abc`; month windows clamp to short months and wrap on every date; `now` is read once
//!   per evaluation; unknown task and custom-condition names are start-up errors.
//! * **Additions.** `cron`, `secondly`, durations in weeks and compound forms (`1h 30min`),
//!   `time of day|hour|minute on …`, and custom `#[condition]` identifiers.
//!
//! Kept from Red Engine where Rocketry differs: window ends are inclusive, `every D` counts
//! from the previous run's finish, and `after task 'a' finished` counts success or fail
//! while `has finished` also counts terminate.

mod anchor;
mod ast;
mod clock;
mod cron;
mod display;
mod duration;
mod error;
mod parser;
mod suggest;
mod zone;

pub use ast::{
    AfterTasks, Anchor, Comparison, Condition, CronSchedule, HasState, HasWindow, Outcome, Period,
    Scope, TaskState, Window,
};
pub use duration::parse_duration;
pub use error::{ParseError, ParseErrorKind};
pub use parser::{parse, parse_all};
pub use suggest::{suggest, KEYWORDS};
pub use zone::{Zone, ZoneError};

#[cfg(feature = "eval")]
mod eval;
#[cfg(feature = "eval")]
mod history;

#[cfg(feature = "eval")]
pub use eval::{
    is_true_at, Context, EvalError, Explanation, NextChange, ParamValue, Resolver, SchedulerState,
};
#[cfg(feature = "eval")]
pub use history::{Action, History, LogRecord, ParseActionError};
