// Retry and instance settings: each value checked where it is written, durations by the
// same parser as `timeout`.
#[redengine::task(start_cond = "daily", retries = -1)]
fn negative_retries() {}

#[redengine::task(start_cond = "daily", retries = 5000)]
fn too_many_retries() {}

#[redengine::task(start_cond = "daily", retries = "3")]
fn retries_as_text() {}

#[redengine::task(start_cond = "daily", retries = 3, retry_delay = "30 secondz")]
fn bad_delay() {}

#[redengine::task(start_cond = "daily", retries = 3, retry_delay = "0")]
fn zero_delay() {}

#[redengine::task(start_cond = "daily", retries = 3, retry_backoff = 0.5)]
fn shrinking_backoff() {}

#[redengine::task(start_cond = "daily", retries = 3, retry_delay = "2 minutes", retry_max_delay = "1 minute")]
fn cap_below_delay() {}

#[redengine::task(start_cond = "daily", retries = 3, retry_jitter = 1.5)]
fn jitter_too_large() {}

#[redengine::task(start_cond = "daily", retries)]
fn retries_without_value() {}

#[redengine::task(start_cond = "daily", max_instances = 0)]
fn zero_instances() {}

#[redengine::task(start_cond = "daily", execution = "main", max_instances = 2)]
fn main_instances() {}

#[redengine::task(on_startup, retries = 2)]
fn startup_retries() {}

fn main() {}
