//! Ignite reports every problem at once, each with its source location.

mod common;

use redengine::{Execution, Session, Task};

use common::{builder, monday};

#[test]
fn every_problem_is_reported_together_with_locations() {
    let (b, _clock, _log) = builder(monday(8, 0));
    let session = b
        .param("count", 3_u32)
        .task(Task::builder("get_data").run(|_| Ok::<_, String>(vec![1_u8])))
        .task(
            Task::builder("transform")
                .start_cond("after task 'get_dat' succeeded")
                .run(|_| ()),
        )
        .task(
            Task::builder("weekend")
                .start_cond("is_weekend_sal")
                .run(|_| ()),
        )
        .task(
            Task::builder("needs")
                .arg::<Vec<String>>("friend_list")
                .run(|_| ()),
        )
        .task(Task::builder("typed").arg::<String>("count").run(|_| ()))
        .task(
            Task::builder("process_data")
                .returned_from::<String>("mydata", "get_data")
                .run(|_| ()),
        )
        .task(Task::builder("bad_timeout").timeout("forever").run(|_| ()))
        .task(
            Task::builder("bad_syntax")
                .start_cond("daily & & true")
                .run(|_| ()),
        )
        .shut_cond("daily")
        .build()
        .unwrap();
    let err = session.ignite().unwrap_err();
    let text = err.to_string();
    let problems = err.problems();
    assert!(problems.len() >= 8, "{text}");
    for needle in [
        "unknown task 'get_dat'; did you mean 'get_data'?",
        "unknown condition `is_weekend_sal`",
        "parameter `friend_list` (`alloc::vec::Vec<alloc::string::String>`) is not set",
        "task 'typed': parameter `count` expects `alloc::string::String`, but the session parameter has type `u32`",
        "task 'process_data': parameter `mydata` expects `alloc::string::String`",
        "invalid timeout `forever`",
        "invalid start_cond of task 'bad_syntax'",
        "in shut_cond `daily` needs a task: it has no owner",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    // Task problems carry the location of the builder call in this file.
    assert!(problems
        .iter()
        .filter(|p| p.message.contains("get_dat'"))
        .all(|p| p.location.is_some_and(|l| l.file.ends_with("ignite.rs"))));
}

#[test]
fn unknown_custom_condition_suggests_registered_ones() {
    let session = Session::builder()
        .condition("is_weekend_sale", |_| Ok(true))
        .task(Task::builder("t").start_cond("is_weekend_sal").run(|_| ()))
        .build()
        .unwrap();
    let text = session.ignite().unwrap_err().to_string();
    assert!(text.contains("did you mean `is_weekend_sale`?"), "{text}");
}

#[test]
fn task_parameter_the_function_does_not_take() {
    // Red Engine's Advanced Guide binds `my_data` while the function takes `mydata`: an error here.
    let session = Session::builder()
        .task(Task::builder("get_data").run(|_| 1_u32))
        .task(
            Task::builder("process_data")
                .returned_from::<u32>("my_data", "get_data")
                .arg::<Option<u32>>("mydata")
                .run(|_| ()),
        )
        .build()
        .unwrap();
    let err = session.ignite().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("parameter `mydata`"), "{text}");
}

#[test]
fn a_valid_session_ignites() {
    let session = Session::builder()
        .param_fn("friend_list", |_| Ok::<_, String>(vec!["ann".to_string()]))
        .task(
            Task::builder("get_data")
                .execution(Execution::Main)
                .run(|_| Ok::<_, String>(7_u32)),
        )
        .task(
            Task::builder("announce")
                .start_cond("after task 'get_data' succeeded")
                .arg::<Vec<String>>("friend_list")
                .returned_from_serde::<u32>("data", "get_data")
                .run(|_| ()),
        )
        .shut_cond("task 'announce' has succeeded today")
        .build()
        .unwrap();
    session.ignite().unwrap();
}

#[test]
fn a_return_binding_to_a_process_task_needs_a_serializable_value() {
    #[derive(Clone)]
    struct Opaque;
    let (b, _clock, _log) = builder(monday(8, 0));
    let err = b
        .task(
            Task::builder("make")
                .execution(Execution::Process)
                .run(|_| Ok::<_, String>(Opaque)),
        )
        .task(
            Task::builder("count")
                .execution(Execution::Process)
                .run(|_| 3_u32),
        )
        .task(
            Task::builder("use")
                .execution(Execution::Thread)
                .returned_from::<Opaque>("made", "make")
                .returned_from::<u32>("counted", "count")
                .run(|_| ()),
        )
        .build()
        .unwrap()
        .ignite()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "parameter `made` takes the return value of task 'make', which runs as a process"
        ),
        "{err}"
    );
    assert!(err.contains("Opaque"), "{err}");
    assert!(!err.contains("`counted`"), "{err}");
}
