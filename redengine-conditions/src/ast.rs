//! The syntax tree of a condition.
//!
//! The tree is *semantic*: two strings that mean the same thing parse to equal trees
//! (`run daily` and `daily`, `always true` and `true`, `90s` and `1 minute 30 seconds`,
//! `after tasks 'a'` and `after task 'a'`). `Display` prints one canonical spelling that
//! parses back to an equal tree, so `parse(&c.to_string()) == Ok(c)` for every tree the
//! parser can produce.

use std::time::Duration;

use chrono::Weekday;

/// A parsed condition: phrases combined with `~`, `&`, `|` and parentheses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Condition {
    /// `true`, `always true`.
    True,
    /// `false`, `always false`.
    False,
    /// `~c`. `~~c` parses to `c` itself.
    Not(Box<Condition>),
    /// `a & b & …`: at least two operands, in written order, none of them an `All`.
    All(Vec<Condition>),
    /// `a | b | …`: at least two operands, in written order, none of them an `Any`.
    Any(Vec<Condition>),
    /// `[run ]daily between 08:00 and 08:15`, `secondly`: once per occurrence of the
    /// period, counting the owner's finishes.
    Periodic(Period),
    /// `[run ]every 10 minutes`: the owner has not finished within the last duration.
    Every(Duration),
    /// `cron 0 8 * * 1-5`: once per matching minute, start-based.
    Cron(CronSchedule),
    /// `after task 'x' [succeeded|failed|finished]`, `after [any ]tasks 'a', 'b' …`.
    After(AfterTasks),
    /// `[task 'x' ]has succeeded [today | this hour … [window] | in past D]`.
    Has(HasState),
    /// `[task 'x' ]has failed more than 3 times [today | … | in past D]`: the number of
    /// matching records in the window, compared with a threshold.
    HasCount(HasCount),
    /// `task 'x' is running` or `while task 'x' is running`.
    IsRunning(String),
    /// `time of day between 16:00 and 20:00`: `now` lies in the period.
    TimeOf(Period),
    /// `scheduler has more than N cycles`, `… less than N cycles`, `… has N cycles`.
    SchedulerCycles {
        /// How the completed-cycle count is compared with `count`.
        comparison: Comparison,
        /// The number written in the phrase.
        count: u64,
    },
    /// `scheduler started D ago`: the scheduler has been running for at most `D`.
    SchedulerStartedWithin(Duration),
    /// `scheduler has run over D`: the scheduler has been running for more than `D`.
    SchedulerRunOver(Duration),
    /// `env 'prod'`: the session parameter `env` is the string `prod`.
    Env(String),
    /// `param 'k' exists`.
    ParamExists(String),
    /// `param 'k' is 'v'`.
    ParamIs {
        /// The parameter's name.
        key: String,
        /// The string it must equal.
        value: String,
    },
    /// A bare identifier: a custom condition registered with `#[condition]`.
    Custom(String),
}

/// The scope of a period: the unit it repeats in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Scope {
    /// One clock second (`secondly` only; it takes no window).
    Second,
    /// One clock minute (`minutely`, `time of minute`, `this minute`).
    Minute,
    /// One clock hour (`hourly`, `time of hour`, `this hour`).
    Hour,
    /// One calendar day (`daily`, `time of day`, `today`).
    Day,
    /// Monday 00:00 to Sunday 23:59:59.999999 (`weekly`, `time of week`, `this week`).
    Week,
    /// One calendar month (`monthly`, `time of month`, `this month`).
    Month,
}

/// A repeating time period: a scope and, optionally, a window inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Period {
    /// What the period repeats in.
    pub scope: Scope,
    /// Which part of each scope instance belongs to the period.
    pub window: Window,
}

/// The part of a scope instance a period covers. Anchors match the scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Window {
    /// The whole scope instance (`daily`, `today`).
    Whole,
    /// `between A and B`, both ends inclusive; wraps when `B` comes before `A`.
    Between(Anchor, Anchor),
    /// `after A`: from `A` to the end of the scope instance.
    After(Anchor),
    /// `before B`: from the start of the scope instance to `B`.
    Before(Anchor),
    /// `starting A`: the period begins at `A` and lasts a full cycle.
    Starting(Anchor),
    /// `on A`: from `A` for one sub-unit (a second, minute, hour or day).
    On(Anchor),
}

/// A point inside a scope instance, as written.
///
/// Which variant is valid depends on the scope: `Offset` for minute, hour and day scopes,
/// `Weekday` for weeks, `MonthDay` for months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Anchor {
    /// Microseconds from the start of the scope instance: seconds past the minute
    /// (`minutely between 10 and 20`), minutes and seconds past the hour (`hourly after
    /// 45:00`, quarter forms resolved), or the time of day (`daily after 08:00`).
    /// In day scope, `24:00` is `86_400_000_000` and valid only on the end side.
    Offset(u64),
    /// `Monday`, `fri 18:00`. Without a time: 00:00 on the start side, the end of that
    /// day on the end side.
    Weekday {
        /// The day of the week.
        day: Weekday,
        /// The time of day, in microseconds since midnight (`24:00` allowed on the end side).
        time: Option<u64>,
    },
    /// `1st`, `15`, `3rd 12:30`. Days past a month's length clamp to its last day.
    MonthDay {
        /// The day of the month, 1–31.
        day: u8,
        /// The time of day, in microseconds since midnight (`24:00` allowed on the end side).
        time: Option<u64>,
    },
}

/// `after task(s) …`: every (or any) named upstream task finished since the owner last
/// started.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AfterTasks {
    /// The upstream task names, in written order; never empty.
    pub tasks: Vec<String>,
    /// `after any tasks`: one of them suffices (otherwise all are required).
    pub any: bool,
    /// Which upstream finish counts.
    pub outcome: AfterOutcome,
}

/// The upstream finish that `after task …` waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AfterOutcome {
    /// `succeeded` (the default): a `success` record.
    Succeeded,
    /// `failed`: a `fail` record.
    Failed,
    /// `finished`: a `success` or `fail` record (not terminate, inaction or crash).
    Finished,
}

/// `[task 'x' ]has <state> [when]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HasState {
    /// The task named with `task 'x'`; `None` means the owner.
    pub task: Option<String>,
    /// Which records count.
    pub state: TaskState,
    /// Where the records must lie.
    pub when: HasWindow,
}

/// `[task 'x' ]has <state> <comparison> N times [when]`: counts the records that
/// `has <state> [when]` looks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HasCount {
    /// The task named with `task 'x'`; `None` means the owner.
    pub task: Option<String>,
    /// Which records count.
    pub state: TaskState,
    /// How the number of records is compared with `count`: `more than`, `less than`,
    /// `exactly`.
    pub comparison: Comparison,
    /// The threshold written in the phrase.
    pub count: u64,
    /// Where the records must lie.
    pub when: HasWindow,
}

/// The `S` of `has S`: a set of log actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// `succeeded`: success.
    Succeeded,
    /// `failed`: fail.
    Failed,
    /// `finished`: success, fail and terminate.
    Finished,
    /// `terminated`: terminate.
    Terminated,
    /// `inacted`: inaction.
    Inacted,
    /// `started`: run.
    Started,
    /// `crashed`: crash.
    Crashed,
}

/// Where the records of `has S` must lie.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HasWindow {
    /// No period: anywhere in the log.
    Ever,
    /// `today`, `this hour between 15:00 and 30:00`, …: the current occurrence window of
    /// the period.
    Period(Period),
    /// `[in ]past D`: the last `D`, both ends inclusive.
    Past(Duration),
}

/// How a count is compared with the number written in the phrase: the completed cycles
/// of `scheduler … cycles`, the records of `has S … times`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Comparison {
    /// `more than N`: `count > N`.
    MoreThan,
    /// `less than N`: `count < N`.
    LessThan,
    /// `has N cycles`, `exactly N times`: `count = N`.
    Exactly,
}

/// A parsed `cron` schedule: the matching values of each field as bit sets.
///
/// Equality compares the matching sets and the canonical text, so two spellings of the
/// same schedule (`1-5` and `mon-fri`) are different trees but `Display` round-trips.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CronSchedule {
    /// The six-field form's seconds: bit `s` set, second `s` (0–59) matches. `None` for
    /// the five-field form and the named schedules, which fire once per matching minute.
    pub seconds: Option<u64>,
    /// Bit `m` set: minute `m` (0–59) matches.
    pub minutes: u64,
    /// Bit `h` set: hour `h` (0–23) matches.
    pub hours: u32,
    /// Bit `d` set: day of month `d` (1–31) matches.
    pub days_of_month: u32,
    /// Bit `m` set: month `m` (1–12) matches.
    pub months: u16,
    /// Bit `d` set: day of week `d` (0 = Sunday … 6 = Saturday) matches.
    pub days_of_week: u8,
    /// The day-of-month field was `*` (standard cron "either day field" rule).
    pub any_day_of_month: bool,
    /// The day-of-week field was `*`.
    pub any_day_of_week: bool,
    /// The fields as written, lower-cased and joined by single spaces, or the named
    /// schedule (`@daily`).
    pub text: String,
}

impl Condition {
    /// Visits this node and every node below it, parents first, in written order.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Condition)) {
        visit(self);
        match self {
            Condition::Not(inner) => inner.walk(visit),
            Condition::All(items) | Condition::Any(items) => {
                for item in items {
                    item.walk(visit);
                }
            }
            _ => {}
        }
    }

    /// Every task name the condition mentions, in written order (duplicates kept).
    ///
    /// The runtime checks these against the session's tasks at start-up.
    pub fn task_names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        self.walk(&mut |node| match node {
            Condition::After(after) => names.extend(after.tasks.iter().map(String::as_str)),
            Condition::Has(HasState { task: Some(t), .. })
            | Condition::HasCount(HasCount { task: Some(t), .. })
            | Condition::IsRunning(t) => {
                names.push(t.as_str());
            }
            _ => {}
        });
        names
    }

    /// Every custom condition identifier the condition uses, in written order.
    pub fn custom_names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        self.walk(&mut |node| {
            if let Condition::Custom(name) = node {
                names.push(name.as_str());
            }
        });
        names
    }

    /// The phrases that talk about the owner without naming a task (`daily`, `every …`,
    /// `has failed`, `after task …`), which are errors where there is no owner
    /// (`shut_cond`).
    pub fn owner_phrases(&self) -> Vec<&Condition> {
        let mut phrases = Vec::new();
        self.walk(&mut |node| {
            let needs_owner = match node {
                Condition::Periodic(_)
                | Condition::Every(_)
                | Condition::Cron(_)
                | Condition::After(_) => true,
                Condition::Has(has) => has.task.is_none(),
                Condition::HasCount(has) => has.task.is_none(),
                _ => false,
            };
            if needs_owner {
                phrases.push(node);
            }
        });
        phrases
    }
}

impl TaskState {
    /// The word used in the language (`succeeded`, `failed`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Succeeded => "succeeded",
            TaskState::Failed => "failed",
            TaskState::Finished => "finished",
            TaskState::Terminated => "terminated",
            TaskState::Inacted => "inacted",
            TaskState::Started => "started",
            TaskState::Crashed => "crashed",
        }
    }
}

impl AfterOutcome {
    /// The word used in the language (`succeeded`, `failed`, `finished`).
    pub fn as_str(self) -> &'static str {
        match self {
            AfterOutcome::Succeeded => "succeeded",
            AfterOutcome::Failed => "failed",
            AfterOutcome::Finished => "finished",
        }
    }
}

impl Scope {
    /// The frequency word of this scope (`minutely`, `hourly`, …).
    pub fn frequency_word(self) -> &'static str {
        match self {
            Scope::Second => "secondly",
            Scope::Minute => "minutely",
            Scope::Hour => "hourly",
            Scope::Day => "daily",
            Scope::Week => "weekly",
            Scope::Month => "monthly",
        }
    }

    /// The unit word after `time of` (`minute`, `hour`, `day`, `week`, `month`).
    pub fn unit_word(self) -> &'static str {
        match self {
            Scope::Second => "second",
            Scope::Minute => "minute",
            Scope::Hour => "hour",
            Scope::Day => "day",
            Scope::Week => "week",
            Scope::Month => "month",
        }
    }

    /// The has-period words (`this minute`, `this hour`, `today`, `this week`, `this month`).
    pub fn has_period_words(self) -> &'static str {
        match self {
            Scope::Second => "this second",
            Scope::Minute => "this minute",
            Scope::Hour => "this hour",
            Scope::Day => "today",
            Scope::Week => "this week",
            Scope::Month => "this month",
        }
    }
}
