//! The Advanced Guide's `project/tasks/`: one module per theme, as the guide's `tasks/*/tasks.py`.
//!
//! Nothing here is listed anywhere else: every `#[redengine::task]` compiled into the binary
//! registers itself, which is what the guide's `PyLoader(glob="**/tasks.py")` was for.
//! Shell-command tasks live in `*/tasks.toml` files next to these modules and are read by
//! the runtime's file loader (`main.rs`); `reports` holds a task of a custom kind.

pub(crate) mod checks;
pub(crate) mod demo;
pub(crate) mod pipelines;
pub(crate) mod reports;
pub(crate) mod scrapers;
pub(crate) mod send;
