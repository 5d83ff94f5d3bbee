//! redengine: a condition-driven job scheduler.
//!
//! Tasks are plain functions; when they run is said in a condition string such as
//! `daily between 08:00 and 08:15` or `after task 'get_data' succeeded`.

pub use redengine_conditions as conditions;

pub mod log;
