// Clock values are range-checked at compile time.
#[redengine::task(start_cond = "daily between 25:00 and 26:00")]
fn too_late() {}

#[redengine::task(start_cond = "daily after 8")]
fn bare_number() {}

#[redengine::task(start_cond = "hourly after 60:00")]
fn bad_minute() {}

fn main() {}
