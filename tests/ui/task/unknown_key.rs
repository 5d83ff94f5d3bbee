// Unknown attribute keys list the valid ones and suggest the closest.
#[redengine::task(start_cnd = "daily")]
fn typo() {}

#[redengine::task(schedule = "daily")]
fn foreign() {}

fn main() {}
