// Typos get a "did you mean".
#[redengine::task(start_cond = "dialy between 08:00 and 08:15")]
fn wash_teeth() {}

#[redengine::task(start_cond = "after task 'get_data' succeded")]
fn transform_data() {}

#[redengine::task(start_cond = "Daily")]
fn wrong_case() {}

fn main() {}
