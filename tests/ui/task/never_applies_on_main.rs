// A main run blocks the scheduler until it returns: it is never running when timeouts and
// end conditions are checked, so neither can apply there.
#[redengine::task(start_cond = "daily", execution = "main", timeout = "1 hour")]
fn with_timeout() {}

#[redengine::task(
    start_cond = "daily",
    end_cond = "time of day after 18:00",
    execution = "inline"
)]
fn with_end_cond() {}

fn main() {}
