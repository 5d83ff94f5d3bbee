//! Every accepted attribute form of `#[task]`, `#[param]`, `#[condition]` and
//! `#[redengine::main]` must keep compiling.

use redengine::{ConditionContext, Inaction, Session, TerminationFlag};

#[redengine::task(start_cond = "daily after 08:00")]
fn wake_up() {}

#[redengine::task(
    start_cond = "daily between 08:00 and 08:15 | daily between 22:00 and 22:15",
    execution = "thread"
)]
fn wash_teeth() {}

#[redengine::task(start_cond = "minutely", execution = "main")]
fn check_pulse() {}

#[redengine::task(start_cond = "hourly", execution = "inline", priority = -1)]
fn check_emails() {}

#[redengine::task(start_cond = "weekly", execution = "thread", timeout = "2 hours")]
fn check_mail() {}

#[redengine::task(
    start_cond = "weekly",
    execution = "thread",
    end_cond = "time of day between 16:00 and 20:00",
    timeout = "never"
)]
fn check_mail_until_evening() {}

#[redengine::task(start_cond = "every 10 minutes", timeout = 60, execution = "thread")]
fn seconds_timeout() {}

#[redengine::task(name = "renamed task", priority = 3, disabled, force_run = false)]
fn named() {}

#[redengine::task(on_startup, execution = "main")]
fn at_startup() {}

#[redengine::task(on_shutdown = true, permanent = false, execution = "main")]
fn at_shutdown() {}

#[redengine::task(execution = "main", params(receivers = vec!["me@example.com".to_string()]))]
fn report_news(receivers: Vec<String>) {
    let _ = receivers;
}

#[redengine::task(execution = "main")]
fn announce(friend_list: Vec<String>) {
    let _ = friend_list;
}

#[redengine::task]
fn get_data() -> Vec<u32> {
    vec![1, 2, 3]
}

#[redengine::task(
    start_cond = "after task 'get_data' succeeded",
    execution = "main",
    params(mydata = Return("get_data"))
)]
fn process_data(mydata: Option<Vec<u32>>) -> Result<usize, String> {
    mydata.map(|d| d.len()).ok_or_else(|| "no data yet".to_string())
}

#[redengine::task(execution = "main")]
fn nothing_to_do() -> Inaction {
    Inaction
}

#[redengine::task(execution = "thread")]
fn cooperative(flag: TerminationFlag) -> Result<(), std::io::Error> {
    let _ = flag.is_set();
    Ok(())
}

#[redengine::task(start_cond = "after task 'get_data' failed", execution = "main")]
fn stop_on_failure(session: redengine::SessionHandle) {
    session.shutdown();
}

// Every timeout form the runtime's `Timeout::parse` accepts.
#[redengine::task(execution = "thread", timeout = "60")]
fn string_seconds_timeout() {}

#[redengine::task(execution = "thread", timeout = 0.5)]
fn fractional_timeout() {}

#[redengine::task(execution = "process", timeout = "1h 30min")]
fn compound_timeout() {}

// Return types are read on the concrete type: aliases of `Result`, boxed errors and the
// stop markers as errors.
type MyResult<T> = Result<T, String>;

#[redengine::task(execution = "main")]
fn alias_result() -> MyResult<u32> {
    Ok(1)
}

#[redengine::task(execution = "main")]
fn io_result() -> std::io::Result<()> {
    Ok(())
}

#[redengine::task(execution = "process")]
fn boxed_error() -> Result<Vec<u32>, Box<dyn std::error::Error + Send + Sync>> {
    Ok(vec![])
}

#[redengine::task(execution = "thread")]
fn stops(flag: TerminationFlag) -> Result<(), redengine::Terminated> {
    if flag.is_set() {
        return Err(redengine::Terminated);
    }
    Ok(())
}

#[redengine::task(execution = "main")]
fn maybe_nothing() -> Result<u8, Inaction> {
    Err(Inaction)
}

#[redengine::task(execution = "main")]
fn an_outcome() -> redengine::Outcome {
    redengine::Outcome::Inaction
}

#[redengine::task(execution = "main", params(data = Return("alias_result")))]
fn after_alias(data: Option<u32>) {
    let _ = data;
}

#[redengine::param]
fn friend_list() -> Vec<String> {
    vec![]
}

#[redengine::param(name = "threshold")]
fn compute_threshold() -> Result<u32, std::num::ParseIntError> {
    "10".parse()
}

#[redengine::condition]
fn is_weekend_sale() -> bool {
    false
}

#[redengine::condition(name = "has_budget")]
fn budget(ctx: &ConditionContext<'_>) -> Result<bool, String> {
    Ok(ctx.owner().is_some())
}

#[redengine::main]
fn main() -> Session {
    // `shut_cond = "true"`: trybuild runs this binary; it starts up and stops at once.
    Session::from_registry().log_memory().shut_cond("true").build().unwrap()
}
