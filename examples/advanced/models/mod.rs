//! The seed's `project/models/`: custom conditions and hooks (section "Importing Models
//! and Tasks"). Custom task kinds (`models/tasks.rs`) come with the task-kind trait.

pub(crate) mod conditions;
pub(crate) mod hooks;
