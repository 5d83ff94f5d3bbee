//! The status line every record but `terminate` carries as its message,
//! `Task '<name>' status: '<action>'`: written in place, and recognised.

use crate::log::Action;

/// `Task '<task>' status: '<action>'`: the message the constructors give every record but
/// `terminate` (the memory log keeps it unwritten and makes it again when read).
pub(crate) fn status_message(task: &str, action: Action) -> String {
    let mut text = String::new();
    write_status(&mut text, task, action);
    text
}

/// The length of [`status_message`] of `task` and `action`.
#[inline]
pub(crate) fn status_len(task: &str, action: Action) -> usize {
    task.len() + action.as_str().len() + "Task '' status: ''".len()
}

/// `Task '<task>' status: '<action>'` into `text`, replacing what it held.
pub(super) fn write_status(text: &mut String, task: &str, action: Action) {
    // perfspeed: two of these per run; pushed by hand, `format!` costs several times more.
    text.clear();
    text.reserve(status_len(task, action));
    let action = action.as_str();
    text.push_str("Task '");
    text.push_str(task);
    text.push_str("' status: '");
    text.push_str(action);
    text.push('\'');
}

/// Whether `message` is exactly [`status_message`] of `task` and `action`.
pub(crate) fn is_status_message(message: &str, task: &str, action: Action) -> bool {
    // perfspeed: the memory log asks this of every record. The length first (a reason, an
    // attempt suffix, another task's line mostly differ there), then the fixed parts,
    // compared as arrays of known length (no call to `memcmp`), then the name in place.
    let (m, n) = (message.as_bytes(), task.len());
    if m.len() != status_len(task, action) {
        return false;
    }
    let head: [u8; 6] = m[..6].try_into().unwrap_or_default();
    let middle: [u8; 11] = m[6 + n..17 + n].try_into().unwrap_or_default();
    let tail = &m[17 + n..];
    let word_fits = match action {
        Action::Run => tail == b"run'",
        Action::Success => tail == b"success'",
        Action::Fail => tail == b"fail'",
        Action::Terminate => tail == b"terminate'",
        Action::Inaction => tail == b"inaction'",
        Action::Crash => tail == b"crash'",
    };
    head == *b"Task '" && middle == *b"' status: '" && word_fits && m[6..6 + n] == *task.as_bytes()
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::log::TaskRecord;

    #[test]
    fn the_status_line_is_recognised_exactly() {
        let t = DateTime::from_timestamp(1_704_268_800, 0)
            .unwrap()
            .fixed_offset();
        for action in [Action::Run, Action::Success, Action::Fail, Action::Inaction] {
            let r = match action {
                Action::Run => TaskRecord::run("x", t),
                a => TaskRecord::finish("x", a, t, t, ""),
            };
            assert!(is_status_message(&r.message, "x", action), "{}", r.message);
            assert!(!is_status_message(&r.message, "y", action));
            assert_eq!(status_message("x", action), r.message);
        }
        assert!(!is_status_message(
            "Task 'x' status: 'run' (attempt 2 of 3)",
            "x",
            Action::Run
        ));
        // Lines of the same length that differ in one part each.
        for other in [
            "Task 'ab' status: 'run'",
            "Tasc 'x' status: 'run'",
            "Task 'x' status; 'run'",
            "Task 'x' status: 'rum'",
            "Task 'x' status: 'run\"",
            "Task 'x'' status: 'run",
            "",
        ] {
            assert!(!is_status_message(other, "x", Action::Run), "{other}");
        }
        assert!(!is_status_message("timeout", "x", Action::Terminate));
        assert!(is_status_message(
            "Task 'it's' status: 'fail'",
            "it's",
            Action::Fail
        ));
    }
}
