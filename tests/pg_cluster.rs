//! Scheduler nodes as real processes on one PostgreSQL database: exactly one leads, a
//! standby takes over from a leader killed with SIGKILL (its run closed as `crash`, a
//! `daily` task never run twice), and a leader whose lock connection the server ends
//! stops before another node leads.

#[path = "common/pg.rs"]
mod pg;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::{Duration, Instant};

/// The lease the nodes run with: short, so failovers are quick.
const LEASE_MS: u64 = 1000;

/// A line a node printed, or its exit (`None`), with the node's pid.
type Said = (u32, Option<String>);

fn spawn(url: &str, tx: &Sender<Said>) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pg_node"))
        .args([url, &LEASE_MS.to_string()])
        .env(
            "REDENGINE_LOG",
            std::env::var("PG_NODE_LOG").unwrap_or("warn".into()),
        )
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("PG_NODE_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::piped()
        })
        .spawn()
        .expect("start pg_node");
    let pid = child.id();
    let out = child.stdout.take().unwrap();
    let tx = tx.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send((pid, Some(line)));
        }
        let _ = tx.send((pid, None));
    });
    child
}

/// The next line or exit, failing after `within`.
fn next(rx: &Receiver<Said>, within: Duration) -> Said {
    rx.recv_timeout(within)
        .unwrap_or_else(|_| panic!("no node said anything within {within:?}"))
}

/// Waits for a `slow PID` line: the pid of the node that leads now.
fn leader(rx: &Receiver<Said>, within: Duration, skip_daily: bool) -> u32 {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match next(rx, left) {
            (pid, Some(line)) if line == format!("slow {pid}") => return pid,
            (pid, Some(line)) if line == format!("daily {pid}") && skip_daily => {}
            (_, None) => {}
            other => panic!("unexpected: {other:?}"),
        }
    }
}

fn sql(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

fn count(url: &str, task: &str, action: &str) -> i64 {
    sql(url)
        .query_one(
            "SELECT count(*) FROM redengine_records WHERE task = $1 AND action = $2",
            &[&task, &action],
        )
        .unwrap()
        .get(0)
}

fn lock_holders(url: &str) -> i64 {
    sql(url)
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND classid = $1 AND objid = $2 AND database = \
             (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[
                &((redengine::log::LEADER_KEY >> 32) as u32),
                &((redengine::log::LEADER_KEY & 0xffff_ffff) as u32),
            ],
        )
        .unwrap()
        .get(0)
}

fn kill9(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn one_node_leads_and_a_standby_takes_over_from_a_killed_leader() {
    let url = pg::database("failover");
    let (tx, rx) = channel();
    let mut nodes: Vec<Child> = (0..3).map(|_| spawn(&url, &tx)).collect();
    // The first leader runs daily_job, then starts slow.
    let mut lead = leader(&rx, Duration::from_secs(60), true);
    assert_eq!(lock_holders(&url), 1);
    assert_eq!(count(&url, "daily_job", "success"), 1);

    let failovers = 20;
    let mut worst = Duration::ZERO;
    for _ in 0..failovers {
        let i = nodes.iter().position(|c| c.id() == lead).unwrap();
        let mut dead = nodes.remove(i);
        let killed = Instant::now();
        kill9(&mut dead);
        // A node printing `daily` would be a second run of a daily task: `leader` fails.
        let next = leader(&rx, Duration::from_secs(30), false);
        worst = worst.max(killed.elapsed());
        assert_ne!(next, lead);
        lead = next;
        nodes.push(spawn(&url, &tx));
        assert_eq!(lock_holders(&url), 1);
    }
    // Within the lease plus start-up slack (the standbys try every fifth of it).
    assert!(worst < Duration::from_secs(10), "failover took {worst:?}");
    assert_eq!(count(&url, "daily_job", "run"), 1);
    assert_eq!(count(&url, "slow", "run"), failovers + 1);
    // Each killed leader's run was closed as a crash by its successor.
    assert_eq!(count(&url, "slow", "crash"), failovers);
    for mut node in nodes {
        kill9(&mut node);
    }
}

#[test]
fn a_leader_whose_lock_connection_ends_stops_before_another_leads() {
    let url = pg::database("terminate");
    let (tx, rx) = channel();
    let mut nodes: Vec<Child> = (0..2).map(|_| spawn(&url, &tx)).collect();
    let lead = leader(&rx, Duration::from_secs(60), true);
    let ended: i64 = sql(&url)
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name LIKE $1",
            &[&format!("redengine scheduler %:{lead}")],
        )
        .unwrap()
        .get(0);
    assert_eq!(ended, 1);
    // The old leader's exit comes before the new leader's first launch.
    let mut exited = false;
    loop {
        match next(&rx, Duration::from_secs(30)) {
            (pid, None) if pid == lead => exited = true,
            (pid, Some(line)) if line == format!("slow {pid}") => {
                assert!(exited, "node {pid} launched while {lead} still ran");
                assert_ne!(pid, lead);
                break;
            }
            other => panic!("unexpected: {other:?}"),
        }
    }
    let i = nodes.iter().position(|c| c.id() == lead).unwrap();
    let out = nodes.remove(i).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("lost the connection"), "{stderr}");
    for mut node in nodes {
        kill9(&mut node);
    }
}
