#![doc = include_str!("../../docs/conditions.md")]

mod anchor;
mod anchor_text;
mod ast;
mod clock;
mod cron;
mod display;
mod duration;
mod error;
mod parser;
pub mod settings;
mod suggest;
mod zone;

pub use ast::{
    AfterOutcome, AfterTasks, Anchor, Comparison, Condition, CronSchedule, HasCount, HasState,
    HasWindow, Period, Scope, TaskState, Window,
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
mod inputs;

#[cfg(feature = "eval")]
pub use eval::{
    is_true_at, Context, EvalError, Explanation, NextChange, ParamValue, Resolver, SchedulerState,
};
#[cfg(feature = "eval")]
pub use history::{Action, History, LogRecord, NameHasher, ParseActionError};
