// A misspelled zone is an error on its string with the closest IANA name; so is an
// offset written the short way, and an unknown misfire policy.
#[redengine::task(start_cond = "daily", zone = "America/New_Yrok")]
fn misspelled() {}

#[redengine::task(start_cond = "daily", zone = "Helsinki")]
fn city_only() {}

#[redengine::task(start_cond = "daily", zone = "UTC+2")]
fn short_offset() {}

#[redengine::task(start_cond = "daily", zone = "Nowhere/At_All")]
fn unknown() {}

#[redengine::task(start_cond = "daily", misfire = "run-once")]
fn bad_policy() {}

fn main() {}
