//! A task's name, one allocation shared by every holder.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

// perf (memory, start-up): the session keeps each task, and the scheduler keeps what it
// prepared from it, both with the name: as a `String` each, a name was two allocations
// (32 bytes of heap each, however short) and 24 bytes in each holder. Shared, it is one
// allocation, 16 bytes in each holder, and preparing a task copies no text.
/// A task's name: reads as a `str`; cloning it shares the text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct TaskName(Arc<str>);

impl TaskName {
    /// The name as text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether both are one shared text.
    #[cfg(test)]
    pub(crate) fn shares(&self, other: &TaskName) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for TaskName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for TaskName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for TaskName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<String> for TaskName {
    fn from(name: String) -> Self {
        TaskName(Arc::from(name))
    }
}

impl From<&str> for TaskName {
    fn from(name: &str) -> Self {
        TaskName(Arc::from(name))
    }
}

impl From<TaskName> for String {
    fn from(name: TaskName) -> Self {
        name.0.to_string()
    }
}

impl serde::Serialize for TaskName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl fmt::Display for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl PartialEq<str> for TaskName {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for TaskName {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for TaskName {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<TaskName> for str {
    fn eq(&self, other: &TaskName) -> bool {
        *self == *other.0
    }
}

impl PartialEq<TaskName> for &str {
    fn eq(&self, other: &TaskName) -> bool {
        **self == *other.0
    }
}

impl PartialEq<TaskName> for String {
    fn eq(&self, other: &TaskName) -> bool {
        **self == *other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_reads_compares_and_shows_as_its_text() {
        let name = TaskName::from(String::from("report"));
        let copy = name.clone();
        assert!(name.shares(&copy) && !name.shares(&TaskName::from("report")));
        assert_eq!(name.as_str(), "report");
        let text = String::from("report");
        assert!(name == "report");
        assert!("report" == name);
        assert!(name == *"report");
        assert!(name == text);
        assert!(text == name);
        let other = TaskName::from("report");
        assert!(name != "reports" && name == other);
        assert_eq!(format!("{name} {name:?}"), "report \"report\"");
        assert_eq!(String::from(name), "report");
        let map: std::collections::HashMap<TaskName, u8> = [(copy, 1)].into();
        assert_eq!(map.get("report"), Some(&1));
    }
}
