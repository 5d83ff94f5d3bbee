//! The names of the phrase grammar's rules.
//!
//! A failed parse reports the rules it expected at the furthest position it reached
//! (see `state.rs`), and `expected.rs` turns those names into words a user reads ("`daily`,
//! `hourly` or a time"). The variants are declared in the grammar's order, `EOI` first:
//! the expected set is sorted by this order, which is the order the words appear in a
//! message, so moving a variant changes error messages.

/// Declares [`Rule`], then the keyword rules with the word each one matches.
macro_rules! rules {
    ($($rule:ident,)* ; $($kw:ident = $word:literal,)*) => {
        /// A rule of the phrase grammar (the functions in `grammar.rs` and `grammar/`
        /// carry the same names).
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub(super) enum Rule {
            $($rule,)*
            $($kw,)*
        }

        impl Rule {
            /// The word a keyword rule matches (`kw_daily` → `daily`); `None` for the
            /// other rules.
            pub(super) fn keyword(self) -> Option<&'static str> {
                match self {
                    $(Rule::$kw => Some($word),)*
                    _ => None,
                }
            }
        }
    };
}

rules! {
    EOI,
    phrase,
    ks,
    vs,
    constant,
    periodic,
    frequency,
    window,
    time_window,
    w_between,
    w_after,
    w_before,
    w_starting,
    w_on,
    anchor,
    anchor_word,
    anchor_tail,
    every,
    duration,
    duration_word,
    cron,
    cron_fields,
    cron_field,
    after,
    after_task,
    after_tasks,
    after_any,
    name_list,
    outcome,
    has,
    has_count,
    count_more,
    count_less,
    count_exact,
    times,
    state,
    has_when,
    has_past,
    has_period,
    this_unit,
    is_running,
    time_of,
    time_unit,
    scheduler,
    sched_started,
    sched_more,
    sched_less,
    sched_exact,
    sched_run_over,
    integer,
    env,
    param,
    custom,
    name,
    name_inner,
    ;
    kw_after = "after",
    kw_ago = "ago",
    kw_always = "always",
    kw_and = "and",
    kw_any = "any",
    kw_before = "before",
    kw_between = "between",
    kw_crashed = "crashed",
    kw_cron = "cron",
    kw_cycles = "cycles",
    kw_daily = "daily",
    kw_day = "day",
    kw_env = "env",
    kw_every = "every",
    kw_exists = "exists",
    kw_exactly = "exactly",
    kw_failed = "failed",
    kw_false = "false",
    kw_finished = "finished",
    kw_has = "has",
    kw_hour = "hour",
    kw_hourly = "hourly",
    kw_in = "in",
    kw_inacted = "inacted",
    kw_is = "is",
    kw_less = "less",
    kw_minute = "minute",
    kw_minutely = "minutely",
    kw_month = "month",
    kw_monthly = "monthly",
    kw_more = "more",
    kw_of = "of",
    kw_on = "on",
    kw_over = "over",
    kw_param = "param",
    kw_past = "past",
    kw_run = "run",
    kw_running = "running",
    kw_scheduler = "scheduler",
    kw_secondly = "secondly",
    kw_started = "started",
    kw_starting = "starting",
    kw_succeeded = "succeeded",
    kw_task = "task",
    kw_tasks = "tasks",
    kw_terminated = "terminated",
    kw_than = "than",
    kw_this = "this",
    kw_time = "time",
    kw_times = "times",
    kw_today = "today",
    kw_true = "true",
    kw_week = "week",
    kw_weekly = "weekly",
    kw_while = "while",
}

/// The keywords of the rules that are a choice of keywords, in the grammar's order: the
/// grammar tries them in this order, and an "expected …" message lists them in it.
impl Rule {
    /// `frequency`: the five frequencies that take a window.
    pub(super) const FREQUENCIES: &'static [Rule] = &[
        Rule::kw_minutely,
        Rule::kw_hourly,
        Rule::kw_daily,
        Rule::kw_weekly,
        Rule::kw_monthly,
    ];
    /// `outcome`: the upstream finish `after task` waits for.
    pub(super) const OUTCOMES: &'static [Rule] =
        &[Rule::kw_succeeded, Rule::kw_failed, Rule::kw_finished];
    /// `state`: the states `has` counts.
    pub(super) const STATES: &'static [Rule] = &[
        Rule::kw_succeeded,
        Rule::kw_failed,
        Rule::kw_finished,
        Rule::kw_terminated,
        Rule::kw_inacted,
        Rule::kw_started,
        Rule::kw_crashed,
    ];
    /// `this_unit`: the units after `this`.
    pub(super) const THIS_UNITS: &'static [Rule] = &[
        Rule::kw_minute,
        Rule::kw_hour,
        Rule::kw_week,
        Rule::kw_month,
    ];
    /// `time_unit`: the units after `time of`.
    pub(super) const TIME_UNITS: &'static [Rule] = &[
        Rule::kw_minute,
        Rule::kw_hour,
        Rule::kw_day,
        Rule::kw_week,
        Rule::kw_month,
    ];
}
