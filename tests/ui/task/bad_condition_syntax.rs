// A malformed operator sequence and an unclosed parenthesis.
#[redengine::task(start_cond = "daily & & hourly")]
fn double_and() {}

#[redengine::task(start_cond = "(daily | hourly")]
fn unclosed() {}

fn main() {}
