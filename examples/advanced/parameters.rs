//! Session-level parameters (the Advanced Guide's `project/parameters.py`, section "Parameters").
//!
//! A `#[redengine::param]` function is the guide's `FuncParam`: it is called right before
//! each launch of a task that takes an argument of the same name (`announce(friend_list)`),
//! and only then, so the value is always fresh and never computed for nobody.

/// The friends `announce` writes to. The guide returns an empty list; a short list makes
/// the announcement visible.
#[redengine::param]
fn friend_list() -> Vec<String> {
    vec![
        "alice@example.com".to_string(),
        "bob@example.com".to_string(),
    ]
}
