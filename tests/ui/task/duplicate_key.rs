// A key used twice is reported on its second use.
#[redengine::task(start_cond = "daily", start_cond = "hourly")]
fn twice() {}

fn main() {}
