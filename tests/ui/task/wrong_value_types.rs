// Values of the wrong type.
#[redengine::task(start_cond = 5)]
fn number_condition() {}

#[redengine::task(start_cond = "daily", priority = "high")]
fn string_priority() {}

#[redengine::task(start_cond = "daily", disabled = "yes")]
fn string_flag() {}

#[redengine::task(start_cond)]
fn missing_value() {}

fn main() {}
