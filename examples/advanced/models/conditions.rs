//! Custom conditions (the Advanced Guide's `project/models/conditions.py`).
//!
//! A `#[redengine::condition]` function becomes a word of the condition language: the
//! pipeline's `get_data` starts only `& source_reachable`. The scheduler calls it at every
//! evaluation of a condition that uses it (never cached), and, because it cannot know when
//! the answer changes, re-checks such conditions every `custom_poll` (1 second by default).

use std::path::Path;

/// The file whose presence means "the data source is down" (relative to the working
/// directory). `touch offline` pauses the pipeline; `rm offline` resumes it.
pub(crate) const OFFLINE_MARKER: &str = "offline";

/// Whether the pipeline's data source can be reached: true unless the `offline` marker
/// file exists. A real project would ping the source here.
#[redengine::condition]
fn source_reachable() -> bool {
    !Path::new(OFFLINE_MARKER).exists()
}
