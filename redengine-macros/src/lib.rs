//! Attribute macros of redengine. Use them through the `redengine` crate
//! (`#[redengine::task]`), never directly.
