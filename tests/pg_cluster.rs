//! Scheduler nodes as real processes on one PostgreSQL database: of three nodes exactly
//! one leads, a standby takes over from a leader killed with SIGKILL (its run closed as
//! `crash`, a `daily` task never run twice) twenty times over, while two workers run a
//! task for whichever node leads, never two of its runs at once; and a leader whose lock
//! connection the server ends stops before another node leads (a write the server ends
//! says the leadership is lost). Fencing: a leader superseded by another (a newer
//! leadership epoch) can write no record, and its scheduler stops without launching
//! again; a database of the previous schema version is migrated to the epoch.

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
    spawn_leased(url, tx, LEASE_MS)
}

/// [`spawn`] with a lease of `lease_ms`.
fn spawn_leased(url: &str, tx: &Sender<Said>, lease_ms: u64) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pg_node"))
        .args([url, &lease_ms.to_string()])
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

/// Waits until `n` nodes stand by: their connection's last statement tried the lock or
/// looked up who holds it.
fn standing_by(url: &str, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut client = sql(url);
    loop {
        let up: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE application_name LIKE 'redengine scheduler %' \
                 AND (query LIKE '%pg_try_advisory_lock%' OR query LIKE '%FROM pg_locks l JOIN%')",
                &[],
            )
            .unwrap()
            .get(0);
        if up >= n {
            return;
        }
        assert!(Instant::now() < deadline, "only {up} of {n} nodes stand by");
        std::thread::sleep(Duration::from_millis(20));
    }
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
    // Two workers run `tick` (every second) for whichever node leads.
    let workers: Vec<Child> = (0..2)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_pg_node"))
                .args([url.as_str(), &LEASE_MS.to_string(), "worker"])
                .env("REDENGINE_LOG", "error")
                .stdout(Stdio::null())
                .spawn()
                .expect("start a pg_node worker")
        })
        .collect();
    // The first leader runs daily_job, then starts slow.
    let mut lead = leader(&rx, Duration::from_secs(60), true);
    assert_eq!(lock_holders(&url), 1);
    assert_eq!(count(&url, "daily_job", "success"), 1);
    standing_by(&url, 2);

    let failovers = 20;
    let mut worst = Duration::ZERO;
    for _ in 0..failovers {
        // The leader's workers finish a `tick` before it dies (the next one may be in
        // flight when it does).
        let before = count(&url, "tick", "success");
        let waited = Instant::now();
        while count(&url, "tick", "success") == before {
            assert!(
                waited.elapsed() < Duration::from_secs(10),
                "no `tick` finished on the workers under this leader"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
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
        // The next kill finds two standbys: a node still starting would find no leader
        // and lead at once, a start-up rather than a takeover.
        standing_by(&url, 2);
    }
    // Within the lease plus start-up slack (the standbys try every fifth of it).
    assert!(worst < Duration::from_secs(10), "failover took {worst:?}");
    assert_eq!(count(&url, "daily_job", "run"), 1);
    assert_eq!(count(&url, "slow", "run"), failovers + 1);
    // Each killed leader's run was closed as a crash by its successor.
    assert_eq!(count(&url, "slow", "crash"), failovers);
    // The workers ran `tick` under every leader, never two runs at once: each `run`
    // record is followed by its finish (a run in flight on a worker when its leader died
    // is closed `crash` by the next leader) before the next `run`.
    let actions: Vec<String> = sql(&url)
        .query(
            "SELECT action FROM redengine_records WHERE task = 'tick' ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let succeeded = actions.iter().filter(|a| *a == "success").count();
    assert!(succeeded as i64 >= failovers, "{actions:?}");
    for pair in actions.chunks(2) {
        assert_eq!(pair[0], "run", "{actions:?}");
        if let Some(end) = pair.get(1) {
            assert!(end == "success" || end == "crash", "{actions:?}");
        }
    }
    for mut node in nodes.into_iter().chain(workers) {
        kill9(&mut node);
    }
}

#[test]
fn a_leader_whose_lock_connection_ends_stops_before_another_leads() {
    let url = pg::database("terminate");
    let (tx, rx) = channel();
    // The old leader must notice at its next heartbeat (a fifth of the lease) and exit
    // within the half lease the standby waits after taking the lock: a lease of three
    // seconds leaves it a second and a half for what takes about 300 ms on a loaded
    // machine (the one-second lease of the other tests left 500 ms).
    let lease_ms = 3000;
    let mut nodes: Vec<Child> = (0..2).map(|_| spawn_leased(&url, &tx, lease_ms)).collect();
    let lead = leader(&rx, Duration::from_secs(60), true);
    // The other node must stand by (it waits before launching); one still starting would
    // find the lock free and lead at once, a start-up rather than a takeover.
    standing_by(&url, 1);
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

// --- Fencing: the leadership epoch ---

fn scalar(url: &str, query: &str) -> i64 {
    sql(url).query_one(query, &[]).unwrap().get(0)
}

fn at(text: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap()
}

#[test]
fn a_leader_superseded_by_a_newer_epoch_can_write_no_run() {
    use redengine::log::{Action, LogStore, TaskRecord};
    let url = pg::database("fencing");
    let mut old = redengine::PostgresLog::new(&url).standby(false);
    old.load().unwrap();
    assert_eq!(scalar(&url, "SELECT epoch FROM redengine_leadership"), 1);
    let first = at("2024-01-03T08:00:00Z");
    old.append(&TaskRecord::run("daily_job", first)).unwrap();
    // Another node takes the leadership over (its start-up increments the epoch) while
    // this one still has a working connection: the split brain the lock alone cannot
    // rule out once writes go through more than one connection.
    sql(&url)
        .execute("UPDATE redengine_leadership SET epoch = epoch + 1", &[])
        .unwrap();
    let second = at("2024-01-04T08:00:00Z");
    let refused = old
        .append(&TaskRecord::run("daily_job", second))
        .unwrap_err();
    assert!(
        refused.to_string().contains("another node leads"),
        "{refused}"
    );
    let finish = TaskRecord::finish("daily_job", Action::Success, first, second, "");
    assert!(old.append_all(std::slice::from_ref(&finish)).is_err());
    assert!(old.append(&finish).is_err());
    assert_eq!(count(&url, "daily_job", "run"), 1);
    assert_eq!(scalar(&url, "SELECT count(*) FROM redengine_records"), 1);
}

#[test]
fn a_write_on_a_lock_connection_the_server_ends_says_the_leadership_is_lost() {
    use redengine::log::{LogStore, PostgresLog, TaskRecord};
    let url = pg::database("ended");
    let mut log = PostgresLog::new(&url).standby(false);
    log.load().unwrap();
    log.append(&TaskRecord::run("daily_job", at("2024-01-03T08:00:00Z")))
        .unwrap();
    let me = format!("redengine scheduler {}", log.node());
    // The server ends the connection while a write waits on it (held up by a lock), so
    // the server's farewell (a FATAL error) is the write's answer, before the client has
    // seen the connection close: it must not read as a write the server refused ("check
    // that the server runs and accepts this URL").
    let mut blocker = sql(&url);
    let mut hold = blocker.transaction().unwrap();
    hold.batch_execute("LOCK TABLE redengine_records IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let write = std::thread::spawn(move || {
        log.append(&TaskRecord::run("slow", at("2024-01-03T08:00:01Z")))
            .unwrap_err()
    });
    let waiting = "SELECT count(*) FROM pg_stat_activity \
                   WHERE application_name = $1 AND wait_event_type = 'Lock'";
    let deadline = Instant::now() + Duration::from_secs(30);
    while sql(&url)
        .query_one(waiting, &[&me])
        .unwrap()
        .get::<_, i64>(0)
        == 0
    {
        assert!(
            Instant::now() < deadline,
            "the write never waited on the lock"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let ended: i64 = sql(&url)
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = $1",
            &[&me],
        )
        .unwrap()
        .get(0);
    assert_eq!(ended, 1);
    hold.rollback().unwrap();
    let refused = write.join().unwrap();
    assert!(
        refused.to_string().contains("lost the connection"),
        "{refused}"
    );
}

/// The schema of the previous version (2), as that release created it, with a record
/// and a queued run.
const VERSION_2: &str = r#"
    CREATE TABLE redengine_schema_version (version INTEGER NOT NULL);
    INSERT INTO redengine_schema_version (version) VALUES (2);
    CREATE TABLE redengine_records (
        id BIGSERIAL PRIMARY KEY, task TEXT NOT NULL, created BIGINT NOT NULL,
        created_offset INTEGER NOT NULL, action TEXT NOT NULL, start BIGINT,
        start_offset INTEGER, "end" BIGINT, end_offset INTEGER, runtime BIGINT,
        message TEXT NOT NULL, exc_text TEXT NOT NULL, run_id BIGINT,
        attempt INTEGER NOT NULL DEFAULT 1, node TEXT NOT NULL DEFAULT '', value_json TEXT);
    CREATE INDEX redengine_records_task ON redengine_records (task, action, id);
    CREATE INDEX redengine_records_created ON redengine_records (created);
    CREATE TABLE redengine_queue (
        id BIGSERIAL PRIMARY KEY, task TEXT NOT NULL, request TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued', worker TEXT, lease_until TIMESTAMPTZ,
        reply TEXT, runs INTEGER NOT NULL DEFAULT 0,
        created TIMESTAMPTZ NOT NULL DEFAULT now());
    CREATE INDEX redengine_queue_state ON redengine_queue (state, id);
    CREATE TABLE redengine_workers (
        name TEXT PRIMARY KEY, started TIMESTAMPTZ NOT NULL DEFAULT now(),
        heartbeat TIMESTAMPTZ NOT NULL DEFAULT now());
    INSERT INTO redengine_records (task, created, created_offset, action, start,
        start_offset, message, exc_text, run_id)
        VALUES ('daily_job', 1704268800000000, 0, 'run', 1704268800000000, 0,
        'Task ''daily_job'' status: ''run''', '', 1);
    INSERT INTO redengine_queue (task, request) VALUES ('count', '{}');
"#;

#[test]
fn a_version_2_database_is_migrated_forward_to_the_leadership_epoch() {
    use redengine::log::{Action, LogStore, TaskRecord};
    let url = pg::database("migrate_v2");
    sql(&url).batch_execute(VERSION_2).unwrap();
    let mut log = redengine::PostgresLog::new(&url).standby(false);
    let records = log.load().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].action, Action::Run);
    assert_eq!(records[0].created, at("2024-01-03T08:00:00Z"));
    assert_eq!(
        scalar(
            &url,
            "SELECT max(version)::bigint FROM redengine_schema_version"
        ),
        3
    );
    // Leading took the first epoch and dropped the old queued run (epoch 0).
    assert_eq!(scalar(&url, "SELECT epoch FROM redengine_leadership"), 1);
    assert_eq!(
        scalar(
            &url,
            "SELECT count(*) FROM redengine_queue WHERE epoch = 0 AND state = 'done'"
        ),
        1
    );
    // And it writes in that epoch.
    let (start, end) = (at("2024-01-03T08:00:00Z"), at("2024-01-03T08:00:01Z"));
    log.append(&TaskRecord::finish(
        "daily_job",
        Action::Success,
        start,
        end,
        "",
    ))
    .unwrap();
    assert_eq!(count(&url, "daily_job", "success"), 1);
}

#[test]
fn a_scheduler_whose_leadership_was_taken_over_mid_run_stops_without_launching_again() {
    use redengine::{Execution, Session, Task, Zone};
    let url = pg::database("fencing_session");
    let bump = url.clone();
    let result = Session::builder()
        .zone(Zone::Utc)
        .log_postgres(&url)
        .handle_signals(false)
        .task(
            Task::builder("a")
                .execution(Execution::Main)
                .start_cond("true")
                .run(move |_| {
                    // Another node takes the leadership over while this run runs.
                    sql(&bump)
                        .execute("UPDATE redengine_leadership SET epoch = epoch + 1", &[])
                        .unwrap();
                }),
        )
        .build()
        .and_then(|mut s| s.run());
    let error = result.unwrap_err().to_string();
    assert!(error.contains("another node leads"), "{error}");
    // Its finish was refused, and it launched nothing more.
    assert_eq!(count(&url, "a", "run"), 1);
    assert_eq!(scalar(&url, "SELECT count(*) FROM redengine_records"), 1);
}
