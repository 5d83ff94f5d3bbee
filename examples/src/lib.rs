//! Runnable examples of redengine live under `examples/` (`cargo run --example <name>`):
//! `hello`, `pipeline`, `parallel` and `advanced` (Red Engine 1.1.0's Advanced Guide).
//!
//! This library only exists to compile the top-level README's Rust blocks as doctests
//! (module [`readme`]), so the README cannot drift from the API.

/// The top-level `README.md`. Its Rust blocks are `no_run` doctests: they build real
/// schedulers that would run until stopped.
#[doc = include_str!("../../README.md")]
pub mod readme {}
