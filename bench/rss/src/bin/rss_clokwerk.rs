//! Peak RSS of a program scheduling N jobs with clokwerk: N daily jobs two hours ahead in
//! a `Scheduler` in UTC, one `run_pending()`, then the report (see the package's lib.rs).

use redengine_bench_rss as rss;

use chrono::{NaiveTime, Utc};
use clokwerk::{Job, Scheduler, TimeUnits};

fn main() -> std::process::ExitCode {
    rss::exit(rss::tasks_arg().and_then(|n| {
        let (h, m) = rss::idle_time();
        let at = NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        let mut sched = Scheduler::with_tz(Utc);
        for _ in 0..n {
            sched.every(1.day()).at_time(at).run(|| ());
        }
        sched.run_pending();
        rss::report()
    }))
}
