//! cluster: the failover row: scheduler nodes of this binary on one database, the leader
//! killed (SIGKILL) ten times, each time with both other nodes standing by.

use std::io::{BufRead, BufReader, Write};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use redengine::{Execution, Session, Task, Zone};

use super::{pg, Procs};
use crate::probe::{median, secs};

/// A failover node: leads or stands by on `url` with the default lease; its one task
/// prints `lead PID` when this node starts leading, and runs until terminated.
pub(super) fn node(url: &str) -> Result<(), String> {
    Session::builder()
        .zone(Zone::Utc)
        .log_postgres(url)
        .handle_signals(false)
        .task(
            Task::builder("lead")
                .execution(Execution::Thread)
                .start_cond("true")
                .run(|ctx| {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "lead {}", std::process::id()).and_then(|()| out.flush());
                    while !ctx.termination().is_set() {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }),
        )
        .build()
        .and_then(|mut s| s.run())
        .map_err(|e| e.to_string())
}

/// The nodes standing by: their connection's last statement tried the lock or looked
/// up who holds it.
const STANDBYS: &str = "SELECT count(*) FROM pg_stat_activity \
     WHERE application_name LIKE 'redengine scheduler %' \
     AND (query LIKE '%pg_try_advisory_lock%' OR query LIKE '%FROM pg_locks l JOIN%')";

/// Leader failover with the default lease: 3 nodes; `count` times, kill the leader
/// (SIGKILL) and time until another node's `lead` line. Median and max, in ms.
///
/// Each kill waits until both other nodes stand by (their connection's last statement
/// is the lock attempt or the look-up of the leader): a node still starting when the
/// leader dies finds no leader and leads at once, which is a start-up, not a failover.
pub(crate) fn failover(count: usize) -> Result<(f64, f64), String> {
    let url = pg::try_database("bench_failover")?;
    let (tx, rx) = channel::<(u32, String)>();
    let mut nodes = Procs(Vec::new());
    let add = |nodes: &mut Procs| -> Result<(), String> {
        let mut child = Procs::spawn("node", &url, None)?;
        let pid = child.id();
        let out = child.stdout.take().ok_or("a node without stdout")?;
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send((pid, line));
            }
        });
        nodes.0.push(child);
        Ok(())
    };
    for _ in 0..3 {
        add(&mut nodes)?;
    }
    let lease = redengine::log::DEFAULT_LEASE;
    let mut watch = postgres::Client::connect(&url, postgres::NoTls)
        .map_err(|e| format!("cannot connect to the bench's server: {e}"))?;
    // A standby's connection last ran the lock attempt or the look-up of the leader.
    let mut all_standing_by = |n: i64| -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let up: i64 = watch
                .query_one(STANDBYS, &[])
                .map_err(|e| e.to_string())?
                .get(0);
            if up >= n {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("only {up} of {n} nodes stand by"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let leader = |rx: &Receiver<(u32, String)>, not: Option<u32>| -> Result<u32, String> {
        let deadline = Instant::now() + 3 * lease + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok((pid, line)) if line == format!("lead {pid}") && Some(pid) != not => {
                    return Ok(pid)
                }
                Ok(_) => {}
                Err(_) => return Err("no node took the leadership over".to_owned()),
            }
        }
    };
    let mut current = leader(&rx, None)?;
    let mut took = Vec::with_capacity(count);
    for _ in 0..count {
        all_standing_by(2)?;
        let i = nodes
            .0
            .iter()
            .position(|c| c.id() == current)
            .ok_or("the leader is not one of the nodes")?;
        let mut dead = nodes.0.remove(i);
        let killed = Instant::now();
        let _ = dead.kill();
        let next = leader(&rx, Some(current));
        let _ = dead.wait();
        let next = next?;
        took.push(secs(killed.elapsed()) * 1e3);
        current = next;
        add(&mut nodes)?;
    }
    let max = took.iter().copied().fold(0.0, f64::max);
    Ok((median(took), max))
}
