//! Evaluation of conditions against a task history.
//!
//! A [`Context`] fixes everything a condition may read: `now` (read once, so every leaf of
//! one evaluation agrees), the time zone of wall-clock periods, the owner, the indexed
//! [`History`], the scheduler's state and a [`Resolver`] for session parameters and custom
//! conditions. [`Condition::evaluate`] answers the truth value, [`Condition::next_change`]
//! tells the scheduler how long it may sleep, and [`Condition::explain`] says why.

mod cron;
mod explain;
mod next;
pub(crate) mod period;
mod records;
mod task;

use std::error::Error;
use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::ast::Condition;
use crate::history::{instant, micros, History, LogRecord};
use crate::zone::{naive, Zone};

pub use explain::Explanation;
pub use next::NextChange;

/// What the scheduler contributes to conditions: `scheduler has more than N cycles`,
/// `scheduler started D ago`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SchedulerState {
    /// Completed cycles: 0 during the first cycle.
    pub cycles: u64,
    /// When the scheduler started.
    pub started: DateTime<Utc>,
}

/// A session parameter as conditions see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamValue<'a> {
    /// A string value: `env 'v'` and `param 'k' is 'v'` compare it.
    Str(&'a str),
    /// A value of another type: it exists, but equals no string.
    Other,
    /// A `#[param]` function: it exists; conditions never call it.
    Function,
}

/// The session's answers to what a condition cannot know by itself: parameters
/// (`env 'prod'`, `param 'k' is 'v'`) and custom conditions (`is_weekend_sale`).
///
/// Both methods have defaults (no parameters, every custom condition unknown), so a
/// resolver implements only what it has.
pub trait Resolver {
    /// The session parameter named `key`, if there is one.
    fn param(&self, key: &str) -> Option<ParamValue<'_>> {
        let _ = key;
        None
    }

    /// Evaluates the custom condition `name`.
    ///
    /// # Errors
    ///
    /// [`EvalError::Custom`] when the function fails; the default answers
    /// [`EvalError::UnknownCustom`].
    fn custom(&self, name: &str, ctx: &Context<'_>) -> Result<bool, EvalError> {
        let _ = ctx;
        Err(EvalError::UnknownCustom {
            name: name.to_owned(),
        })
    }
}

/// The resolver of a context that was given none: no parameters, no custom conditions.
struct NoResolver;

impl Resolver for NoResolver {}

/// Why a condition could not be evaluated. The runtime then applies
/// `silence_cond_check`.
#[derive(Debug)]
#[non_exhaustive]
pub enum EvalError {
    /// A phrase about the owner (`daily`, `has failed`, `after task …`) in a context
    /// without one, such as `shut_cond`.
    NoOwner {
        /// The phrase, as it would be written.
        phrase: String,
    },
    /// A `scheduler …` phrase evaluated with no scheduler state.
    NoScheduler {
        /// The phrase, as it would be written.
        phrase: String,
    },
    /// A custom condition the resolver does not know.
    UnknownCustom {
        /// The identifier.
        name: String,
    },
    /// A custom condition returned an error (or panicked).
    Custom {
        /// The identifier.
        name: String,
        /// What went wrong.
        source: Box<dyn Error + Send + Sync + 'static>,
    },
}

impl EvalError {
    /// A custom condition's failure, keeping its error as the source.
    pub fn custom(name: &str, source: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Self {
        EvalError::Custom {
            name: name.to_owned(),
            source: source.into(),
        }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::NoOwner { phrase } => write!(
                f,
                "`{phrase}` needs a task, but this condition has no owner; name one with \
                 `task '…'` or move the phrase into a task's condition"
            ),
            EvalError::NoScheduler { phrase } => write!(
                f,
                "`{phrase}` reads the scheduler, but none is running; evaluate it in a \
                 session or give the context a state with `Context::with_scheduler`"
            ),
            EvalError::UnknownCustom { name } => write!(
                f,
                "unknown custom condition `{name}`; register it with `#[condition]` or give \
                 the context a resolver that knows it"
            ),
            EvalError::Custom { name, source } => {
                write!(f, "custom condition `{name}` failed: {source}")
            }
        }
    }
}

impl Error for EvalError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            EvalError::Custom { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// Everything one evaluation reads. Cheap to build: it borrows the history.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use redengine_conditions::{Action, Condition, Context, History, NextChange, Period, Scope, Window, Zone};
///
/// let daily = Condition::Periodic(Period { scope: Scope::Day, window: Window::Whole });
/// let mut history = History::new();
/// history.push("report", Action::Success, Utc.with_ymd_and_hms(2024, 1, 3, 8, 0, 0).unwrap());
///
/// let now = Utc.with_ymd_and_hms(2024, 1, 3, 12, 0, 0).unwrap();
/// let ctx = Context::new(now, Zone::Utc, &history).with_owner("report");
/// assert_eq!(daily.evaluate(&ctx).ok(), Some(false)); // already done today
/// // Nothing can change before midnight, so the scheduler may sleep until then.
/// let midnight = Utc.with_ymd_and_hms(2024, 1, 4, 0, 0, 0).unwrap();
/// assert_eq!(daily.next_change(&ctx), NextChange::At(midnight));
/// ```
#[derive(Clone, Copy)]
pub struct Context<'a> {
    now: i64,
    wall: i64,
    zone: Zone,
    owner: Option<&'a str>,
    history: &'a History,
    scheduler: Option<SchedulerState>,
    resolver: &'a dyn Resolver,
}

impl fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("now", &self.now())
            .field("local_now", &self.local_now())
            .field("zone", &self.zone)
            .field("owner", &self.owner)
            .field("history_len", &self.history.len())
            .field("scheduler", &self.scheduler)
            .finish_non_exhaustive()
    }
}

impl<'a> Context<'a> {
    /// A context at `now`, computing wall-clock periods in `zone`, reading `history`.
    /// The local time of `now` is computed here, once.
    pub fn new(now: DateTime<Utc>, zone: Zone, history: &'a History) -> Self {
        let now = micros(now);
        Context {
            now,
            wall: zone.wall_of(now),
            zone,
            owner: None,
            history,
            scheduler: None,
            resolver: &NoResolver,
        }
    }

    /// The task whose condition this is: phrases without `task 'n'` talk about it.
    pub fn with_owner(mut self, owner: &'a str) -> Self {
        self.owner = Some(owner);
        self
    }

    /// The scheduler's state, for `scheduler …` phrases.
    pub fn with_scheduler(mut self, state: SchedulerState) -> Self {
        self.scheduler = Some(state);
        self
    }

    /// Where session parameters and custom conditions come from.
    pub fn with_resolver(mut self, resolver: &'a dyn Resolver) -> Self {
        self.resolver = resolver;
        self
    }

    /// The instant of this evaluation.
    pub fn now(&self) -> DateTime<Utc> {
        instant(self.now)
    }

    /// `now` on the zone's wall clock.
    pub fn local_now(&self) -> NaiveDateTime {
        naive(self.wall)
    }

    /// The zone of wall-clock periods.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The owner, if the condition belongs to a task.
    pub fn owner(&self) -> Option<&'a str> {
        self.owner
    }

    /// The history the condition reads.
    pub fn history(&self) -> &'a History {
        self.history
    }

    /// The scheduler's state, if one is running.
    pub fn scheduler(&self) -> Option<SchedulerState> {
        self.scheduler
    }

    /// The resolver of parameters and custom conditions.
    fn resolver(&self) -> &'a dyn Resolver {
        self.resolver
    }
}

impl Condition {
    /// The condition's value in `ctx`.
    ///
    /// `&` and `|` evaluate their operands left to right and stop as soon as the answer is
    /// known, so an operand that would fail is not reached if an earlier one decided.
    ///
    /// # Errors
    ///
    /// An [`EvalError`] for an owner phrase without an owner, a scheduler phrase without a
    /// scheduler, or a custom condition that is unknown or fails.
    pub fn evaluate(&self, ctx: &Context<'_>) -> Result<bool, EvalError> {
        match self {
            Condition::True => Ok(true),
            Condition::False => Ok(false),
            Condition::Not(inner) => Ok(!inner.evaluate(ctx)?),
            Condition::All(items) => {
                for item in items {
                    if !item.evaluate(ctx)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Condition::Any(items) => {
                for item in items {
                    if item.evaluate(ctx)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            leaf => task::leaf(leaf, ctx),
        }
    }
}

/// A resolver for [`is_true_at`]: custom conditions are false.
struct CustomFalse;

impl Resolver for CustomFalse {
    fn custom(&self, _: &str, _: &Context<'_>) -> Result<bool, EvalError> {
        Ok(false)
    }
}

/// Whether `cond`, owned by `task`, holds at `now` given `records` — a one-shot helper for
/// tests and tools, with times in UTC.
///
/// Periods are computed in UTC and naive times read as UTC; custom conditions count as
/// false, and any evaluation error (a scheduler phrase: there is no scheduler) makes the
/// answer false. Build a [`History`] and a [`Context`] to evaluate many times.
///
/// ```
/// use chrono::NaiveDate;
/// use redengine_conditions::{is_true_at, Action, Anchor, Condition, LogRecord, Period, Scope, Window};
///
/// // daily between 08:00 and 08:15
/// let hour = 3_600_000_000;
/// let cond = Condition::Periodic(Period {
///     scope: Scope::Day,
///     window: Window::Between(Anchor::Offset(8 * hour), Anchor::Offset(8 * hour + hour / 4)),
/// });
/// let at = |h, m| NaiveDate::from_ymd_opt(2024, 1, 3).unwrap().and_hms_opt(h, m, 0).unwrap();
///
/// assert!(is_true_at(&cond, "wash_teeth", at(8, 5), &[]));
/// let done = [LogRecord::new("wash_teeth", Action::Success, at(8, 3))];
/// assert!(!is_true_at(&cond, "wash_teeth", at(8, 5), &done));
/// assert!(!is_true_at(&cond, "wash_teeth", at(12, 0), &[]));
/// ```
pub fn is_true_at(cond: &Condition, task: &str, now: NaiveDateTime, records: &[LogRecord]) -> bool {
    let history = History::from_records(records);
    let resolver = CustomFalse;
    let ctx = Context::new(now.and_utc(), Zone::Utc, &history)
        .with_owner(task)
        .with_resolver(&resolver);
    cond.evaluate(&ctx).unwrap_or(false)
}
