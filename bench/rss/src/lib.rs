//! The programs `redengine-bench`'s peak-RSS rows measure (src/bin), and what they share:
//! the arguments, the idle tasks' time and the report.
//!
//! The peak RSS of a program that schedules N tasks is mostly the code pages it touches,
//! so each program links only the library it measures (and `std`), as a user's program
//! scheduling N tasks with that library would: `rss_redengine`, `rss_clokwerk`, `rss_tcs`
//! (tokio-cron-scheduler), and `rss_floor`, which links `std` only and schedules nothing.
//! This library uses `std` only. Build the package on its own (see its Cargo.toml).

/// The task count given as the last argument.
pub fn tasks_arg() -> Result<usize, String> {
    let arg = std::env::args().next_back().unwrap_or_default();
    arg.parse()
        .map_err(|_| format!("expected a task count as the last argument, got `{arg}`"))
}

/// A daily time about two hours ahead in UTC (kept inside the day): when the idle tasks
/// are due, so none is due while the program runs.
pub fn idle_time() -> (u32, u32) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let minute = (((secs / 60 + 120) % 1_440) as u32).min(23 * 60 + 44);
    (minute / 60, minute % 60)
}

/// A field of `/proc/self/status` in KiB (`VmHWM`, `RssAnon`, `RssFile`).
fn status_kib(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Prints `peak anon file`: the peak resident set (`VmHWM`), then the private memory
/// (`RssAnon`: heap, stacks) and the mapped files (`RssFile`: code pages) resident now, in
/// KiB. The bench reads the first; the others say where the peak went.
pub fn report() -> Result<(), String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    let [peak, anon, file] = ["VmHWM", "RssAnon", "RssFile"].map(|f| status_kib(&status, f));
    if peak == 0 {
        return Err("/proc/self/status has no VmHWM".to_string());
    }
    println!("{peak} {anon} {file}");
    Ok(())
}

/// The exit of an RSS program: the error on stderr and a failure code.
pub fn exit(result: Result<(), String>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
