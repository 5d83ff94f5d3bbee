//! The condition language of redengine: the strings in `start_cond`, `end_cond` and
//! `shut_cond`.
//!
//! The full language reference is written here as the crate grows; the normative text
//! is the project's `spec/CONDITIONS.md`.

mod ast;

pub use ast::{
    AfterTasks, Anchor, Comparison, Condition, CronSchedule, HasState, HasWindow, Outcome, Period,
    Scope, TaskState, Window,
};
