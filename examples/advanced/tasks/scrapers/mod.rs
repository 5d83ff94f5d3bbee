//! The Advanced Guide's first task file (section "Tasks"): three tasks scheduled by the time of day
//! and the day of the week, combined with `|` (or) and `&` (and).
//!
//! All three are the guide's, with the guide's conditions verbatim.

/// In the guide: runs once a day, at the first check after 08:00.
#[redengine::task(start_cond = "daily after 08:00")]
fn wake_up() {
    println!("    wake_up: good morning");
}

/// In the guide: runs twice a day, once between 08:00 and 08:15 and once between 22:00 and 22:15.
#[redengine::task(start_cond = "daily between 08:00 and 08:15 | daily between 22:00 and 22:15")]
fn wash_teeth() {
    println!("    wash_teeth: brushing for two minutes (well, two milliseconds)");
    std::thread::sleep(std::time::Duration::from_millis(2));
}

/// In the guide: runs once a day between 09:00 and 10:00, on weekdays only (the guide's text calls
/// it `do_work`; its code names it `go_to_work`).
#[redengine::task(
    start_cond = "daily between 09:00 and 10:00 & time of week between Monday and Friday"
)]
fn go_to_work() {
    println!("    go_to_work: off to the office");
}
