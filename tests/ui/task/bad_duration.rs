// Durations in conditions and in `timeout`: one grammar, the runtime's own parser.
#[redengine::task(start_cond = "every 10")]
fn missing_unit() {}

#[redengine::task(start_cond = "every 10 minutez")]
fn bad_unit() {}

#[redengine::task(start_cond = "daily", timeout = "2 hourz")]
fn bad_timeout() {}

// Zero is refused whichever way it is written (a zero timeout would end every run at once).
#[redengine::task(start_cond = "daily", timeout = 0)]
fn zero_timeout() {}

#[redengine::task(start_cond = "daily", timeout = "0")]
fn zero_timeout_string() {}

#[redengine::task(start_cond = "daily", timeout = "0 seconds")]
fn zero_timeout_duration() {}

#[redengine::task(start_cond = "daily", timeout = "1.5 hours")]
fn fractional_hours() {}

#[redengine::task(start_cond = "daily", timeout = soon)]
fn not_a_literal() {}

fn main() {}
