// Durations in conditions and in `timeout`.
#[redengine::task(start_cond = "every 10")]
fn missing_unit() {}

#[redengine::task(start_cond = "every 10 minutez")]
fn bad_unit() {}

#[redengine::task(start_cond = "daily", timeout = "2 hourz")]
fn bad_timeout() {}

#[redengine::task(start_cond = "daily", timeout = 0)]
fn zero_timeout() {}

fn main() {}
