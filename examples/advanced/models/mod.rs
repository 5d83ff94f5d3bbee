//! The Advanced Guide's `project/models/`: custom conditions, hooks and task kinds (section
//! "Importing Models and Tasks").

pub(crate) mod conditions;
pub(crate) mod hooks;
pub(crate) mod tasks;
