// What a task returns must be loggable and keepable, whatever its type is called.
use std::rc::Rc;

struct NotText;

type Outcome<T> = Result<T, NotText>;

// An error type without `Display` cannot be logged.
#[redengine::task(start_cond = "daily", execution = "thread")]
fn silent_error() -> Result<(), NotText> {
    Ok(())
}

// Nor can it behind an alias.
#[redengine::task(start_cond = "daily", execution = "thread")]
fn silent_alias() -> Outcome<()> {
    Ok(())
}

// A kept value must be `Send + Sync`: the scheduler may hand it to another thread.
#[redengine::task(start_cond = "daily", execution = "thread")]
fn shared() -> Rc<u32> {
    Rc::new(1)
}

// The scheduler stores the value by its type.
#[redengine::task(start_cond = "daily", execution = "thread")]
fn opaque() -> impl std::fmt::Display {
    1
}

fn main() {}
