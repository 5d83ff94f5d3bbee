//! Rows measured in child processes (launch → first cycle, peak RSS) and the floors of
//! the table (thread spawn+join, re-exec of the own binary + wait, wake a parked thread).
//!
//! The launch children are this same binary started with `child <mode> <tasks>`; they
//! print one line on stdout and exit.
//!
//! The peak-RSS children are the bench's small programs (package `redengine-bench-rss` in
//! `bench/rss`, built on its own beside this binary): the RSS of a program scheduling N tasks is mostly the code pages it
//! touches, so it is measured in a program that links only the library it measures, as a
//! user's program would, instead of in this binary, which links three schedulers, a
//! PostgreSQL client, tokio and an HTTP server. Its floor is the same kind of program
//! linking `std` only (`rss_floor`). The peers' RSS rows use the same programs.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use redengine::{Execution, Session, Task};

use crate::probe::{median, median_of, peak_rss_kib, secs, window_ahead};

/// The child modes, as given on the command line after `child`.
pub(crate) const CHILD_LAUNCH: &str = "launch";
pub(crate) const CHILD_NOOP: &str = "noop";

/// Runs in the child: `launch` prints `cycle` at the start of the first cycle and shuts
/// down; `noop` prints its peak RSS at once (the floor of the rows measured in this
/// binary).
pub(crate) fn child(mode: &str, tasks: usize) -> Result<(), String> {
    match mode {
        CHILD_NOOP => {
            println!("{}", peak_rss_kib().unwrap_or(0));
            Ok(())
        }
        CHILD_LAUNCH => {
            // The user's defaults: CSV log (in a private directory), local zone, system clock.
            let dir = std::env::temp_dir().join(format!("redengine-launch-{}", std::process::id()));
            let cond = window_ahead();
            let mut session = Session::builder()
                .log_csv(dir.join("tasks.csv"))
                .task_execution(Execution::Main)
                .with_tasks((0..tasks).map(|i| {
                    Task::builder(format!("t{i}"))
                        .start_cond(cond.as_str())
                        .run(|_| ())
                }))
                .on_cycle(|info| {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "cycle");
                    let _ = out.flush();
                    info.handle.shutdown();
                    Ok(None)
                })
                .build()
                .map_err(|e| e.to_string())?;
            let result = session.run().map_err(|e| e.to_string());
            let _ = std::fs::remove_dir_all(&dir);
            result
        }
        other => Err(format!(
            "unknown child mode `{other}`; expected `{CHILD_LAUNCH}` or `{CHILD_NOOP}`"
        )),
    }
}

fn own_exe() -> Result<std::path::PathBuf, String> {
    std::env::current_exe().map_err(|e| format!("cannot find the bench executable: {e}"))
}

/// Starts a child, returns the time until its first stdout line and that line.
fn spawn_child(mode: &str, tasks: usize) -> Result<(Duration, String), String> {
    first_line(&["child", mode, &tasks.to_string()])
}

/// Starts this binary with `args`: the time until its first stdout line, and that line,
/// once the child exited successfully. Every child of the bench is started this way.
pub(crate) fn first_line(args: &[&str]) -> Result<(Duration, String), String> {
    first_line_of(&own_exe()?, args)
}

/// A program of `redengine-bench-rss` built beside this binary (`bench/rss/src/bin`).
pub(crate) fn program(name: &str) -> Result<std::path::PathBuf, String> {
    let path = own_exe()?.with_file_name(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "cannot find {}: build the RSS programs on their own first, `cargo build \
             --release -p redengine-bench-rss` (not in the bench's cargo command, which \
             would build them with the bench's redengine features)",
            path.display()
        ))
    }
}

/// Runs of an RSS program per sample: where the kernel maps code in 64 KiB chunks
/// around each fault depends on where the program is loaded, which changes with every
/// start (ASLR), so one start's peak varies by a few hundred KiB.
const RSS_STARTS: usize = 5;

/// Peak RSS in MiB printed by the bench program `name` run with `args`, the median of
/// [`RSS_STARTS`] starts (it prints `peak anon file` in KiB; see `bench/rss/src/lib.rs`).
pub(crate) fn program_rss(name: &str, args: &[&str]) -> Result<f64, String> {
    let exe = program(name)?;
    let mut peaks = Vec::with_capacity(RSS_STARTS);
    for _ in 0..RSS_STARTS {
        let (_, line) = first_line_of(&exe, args)?;
        let kib: f64 = line
            .split_whitespace()
            .next()
            .and_then(|peak| peak.parse().ok())
            .ok_or_else(|| format!("`{name}` printed `{line}` instead of its peak RSS"))?;
        peaks.push(kib / 1024.0);
    }
    Ok(median(peaks))
}

/// Starts `exe` with `args`: the time until its first stdout line, and that line, once it
/// exited successfully.
fn first_line_of(exe: &std::path::Path, args: &[&str]) -> Result<(Duration, String), String> {
    let start = Instant::now();
    let mut child = Command::new(exe)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        BufReader::new(out)
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the child's output: {e}"))?;
    }
    let took = start.elapsed();
    let status = child
        .wait()
        .map_err(|e| format!("cannot wait for the child: {e}"))?;
    if !status.success() {
        return Err(format!("child `{}` failed: {status}", args.join(" ")));
    }
    Ok((took, line.trim().to_string()))
}

/// Median milliseconds from spawning a child with `tasks` tasks to its first cycle.
pub(crate) fn launch(tasks: usize, samples: usize) -> Result<f64, String> {
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let (took, line) = spawn_child(CHILD_LAUNCH, tasks)?;
        if line != "cycle" {
            return Err(format!("launch child printed `{line}` instead of `cycle`"));
        }
        times.push(secs(took) * 1e3);
    }
    Ok(median(times))
}

/// Peak RSS in MiB of a program in which each of `tasks` tasks ran once (`rss_redengine
/// ran`); `None`: the floor, a program linking `std` only (`rss_floor`).
pub(crate) fn peak_rss(tasks: Option<usize>) -> Result<f64, String> {
    match tasks {
        Some(n) => program_rss("rss_redengine", &["ran", &n.to_string()]),
        None => program_rss("rss_floor", &["0"]),
    }
}

/// Peak RSS in MiB of this binary doing nothing: the floor of the rows measured in it
/// (the stores' start-up).
pub(crate) fn own_rss_floor() -> Result<f64, String> {
    let (_, line) = spawn_child(CHILD_NOOP, 0)?;
    let kib: f64 = line
        .parse()
        .map_err(|_| format!("child `{CHILD_NOOP}` printed `{line}` instead of its peak RSS"))?;
    Ok(kib / 1024.0)
}

/// Floor: median milliseconds to re-execute this binary (no-op child) and wait for it.
pub(crate) fn reexec_floor(samples: usize) -> Result<f64, String> {
    let exe = own_exe()?;
    let mut failed = None;
    let ms = median_of(samples, || {
        let start = Instant::now();
        let out = Command::new(&exe)
            .args(["child", CHILD_NOOP, "0"])
            .stdout(Stdio::null())
            .status();
        if let Err(e) = out {
            failed = Some(e.to_string());
        }
        start.elapsed()
    }) * 1e3;
    match failed {
        Some(e) => Err(format!("cannot re-execute {}: {e}", exe.display())),
        None => Ok(ms),
    }
}

/// Floor: median microseconds of `thread::spawn` of an empty closure + `join`.
pub(crate) fn spawn_join_floor(samples: usize) -> f64 {
    median_of(samples, || {
        let start = Instant::now();
        let _ = std::thread::spawn(|| ()).join();
        start.elapsed()
    }) * 1e6
}

/// Floor: median microseconds from `unpark` to the parked thread running again.
pub(crate) fn wake_floor(samples: usize) -> Result<f64, String> {
    let (tx, rx) = mpsc::channel::<Instant>();
    let go = Arc::new(AtomicBool::new(false));
    let quit = Arc::new(AtomicBool::new(false));
    let (g, q) = (Arc::clone(&go), Arc::clone(&quit));
    let parked = std::thread::spawn(move || loop {
        std::thread::park();
        if q.load(Ordering::SeqCst) {
            return;
        }
        if g.swap(false, Ordering::SeqCst) && tx.send(Instant::now()).is_err() {
            return;
        }
    });
    let mut gaps = Vec::with_capacity(samples);
    for _ in 0..samples {
        std::thread::sleep(Duration::from_millis(1)); // let it really park
        let start = Instant::now();
        go.store(true, Ordering::SeqCst);
        parked.thread().unpark();
        let woke = rx
            .recv_timeout(Duration::from_secs(5))
            .map_err(|e| format!("the parked thread did not answer: {e}"))?;
        gaps.push(secs(woke.saturating_duration_since(start)) * 1e6);
    }
    quit.store(true, Ordering::SeqCst);
    parked.thread().unpark();
    let _ = parked.join();
    Ok(median(gaps))
}
