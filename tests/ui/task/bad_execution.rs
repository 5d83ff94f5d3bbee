// Unknown execution values list the valid ones; near misses get a rename hint.
#[redengine::task(start_cond = "daily", execution = "threads")]
fn near_miss() {}

#[redengine::task(start_cond = "daily", execution = "coroutine")]
fn unknown() {}

fn main() {}
