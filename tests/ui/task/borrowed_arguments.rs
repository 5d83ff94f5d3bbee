// Task arguments are owned values: the scheduler keeps each parameter and gives every run
// its own copy, whatever the execution. A borrow is refused on the argument's type, with
// its owned form.
use std::borrow::Cow;

#[redengine::task(start_cond = "daily", execution = "thread")]
fn fetch(url: &str) {
    let _ = url;
}

#[redengine::task(start_cond = "daily", execution = "thread")]
fn notify(receivers: Vec<&str>, subject: &'static str) {
    let _ = (receivers, subject);
}

#[redengine::task(start_cond = "daily", execution = "main")]
fn store(bytes: &[u8], label: Cow<'_, str>) {
    let _ = (bytes, label);
}

#[redengine::task(
    start_cond = "after task 'fetch' succeeded",
    params(page = Return("fetch"))
)]
fn parse(page: Option<&String>) {
    let _ = page;
}

fn main() {}
