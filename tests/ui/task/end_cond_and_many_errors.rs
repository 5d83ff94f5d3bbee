// Every mistake of one attribute is reported at once.
#[redengine::task(start_cond = "dayly", end_cond = "time of day between 16:00 and", exection = "thread")]
fn check_mail() {}

fn main() {}
