//! The floor of the bench's peak-RSS rows: a Rust program that links `std` only, reads
//! its arguments and reports its peak RSS, as the library programs (`rss_redengine`,
//! `rss_clokwerk`, `rss_tcs`) do around their scheduling.

use redengine_bench_rss as rss;

fn main() -> std::process::ExitCode {
    rss::exit(rss::tasks_arg().and_then(|_| rss::report()))
}
