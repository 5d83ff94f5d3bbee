#![doc = include_str!("../../docs/conditions.md")]

// perf (launch): pest is built without its `std` feature, which only adds a native stack
// probe: the probe reads all of `/proc/self/maps` at a program's first parse, and the
// phrase grammar does not recurse (operators and their depth limits are handled by
// `parser/expr.rs`). Without `std`, the parser pest generates names `alloc` from the crate
// root.
extern crate alloc;

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
