//! Workers of a scheduler cluster, as real processes on one PostgreSQL database: a
//! leader queues a `worker` task's run and records what a worker reports, and 500
//! queued runs are each executed once by two workers, one of them killed with SIGKILL
//! mid-way (its in-flight runs are never claimed again). A run whose worker is killed
//! is closed `crash` once its lease expires, while the leader runs on, and retried; a
//! run in flight on a worker when the leader is killed is closed `crash` by the next
//! leader and retried. To conditions and retries a lost run is a crash like one a dead
//! scheduler left open.

#[path = "common/pg.rs"]
mod pg;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn program(url: &str, command: &str, file: &std::path::Path) -> Child {
    program_with(url, command, file, &[])
}

fn program_with(url: &str, command: &str, file: &std::path::Path, env: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pg_work"))
        .args(["--log", url, command])
        .env("PG_WORK_FILE", file)
        .envs(env.iter().copied())
        .env("REDENGINE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start pg_work")
}

fn sql(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

/// Polls the database (another process's progress) until `done` holds, for at most `within`.
fn until(url: &str, within: Duration, what: &str, done: impl Fn(&mut postgres::Client) -> bool) {
    let deadline = Instant::now() + within;
    let mut client = sql(url);
    while !done(&mut client) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn scalar(client: &mut postgres::Client, query: &str) -> i64 {
    client.query_one(query, &[]).unwrap().get(0)
}

fn temp_file(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("redengine-{name}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn a_worker_task_runs_on_a_worker_and_the_leader_records_its_outcome() {
    let url = pg::database("worker_e2e");
    let file = temp_file("e2e");
    let mut leader = program(&url, "run", &file);
    let mut worker = program(&url, "worker", &file);
    until(&url, Duration::from_secs(60), "answer's success", |c| {
        c.query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'redengine_records'",
            &[],
        )
        .unwrap()
        .get::<_, i64>(0)
            == 1
            && scalar(
                c,
                "SELECT count(*) FROM redengine_records WHERE task = 'show' AND action = 'success'",
            ) == 1
    });
    let mut c = sql(&url);
    // Ran on the worker (the queue row says which), recorded by the leader.
    let worker_name: String = c
        .query_one(
            "SELECT worker FROM redengine_queue WHERE task = 'answer'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(
        worker_name.ends_with(&format!(":{}", worker.id())),
        "{worker_name}"
    );
    let value: Option<String> = c
        .query_one(
            "SELECT value_json FROM redengine_records WHERE task = 'answer' AND action = 'success'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(value.as_deref(), Some("42"));
    // `status`, from another process: the leader, the worker and its heartbeat.
    let out = Command::new(env!("CARGO_BIN_EXE_pg_work"))
        .args(["--log", &url, "status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.starts_with("leader: ") && l.contains(&format!(":{} ", leader.id()))),
        "{text}"
    );
    assert!(text.contains("workers: 1\n"), "{text}");
    assert!(
        text.contains(&format!(":{}: last heartbeat", worker.id())),
        "{text}"
    );
    assert!(text.contains("queue: 0 queued"), "{text}");
    let _ = leader.kill();
    let _ = worker.kill();
    let _ = (leader.wait(), worker.wait());
}

#[test]
fn five_hundred_queued_runs_run_once_each_across_two_workers_one_killed() {
    let url = pg::database("worker_queue");
    let file = temp_file("queue");
    // The schema, as a scheduler or worker creates it.
    redengine::PostgresLog::new(&url).prepare().unwrap();
    let mut c = sql(&url);
    c.execute(
        "INSERT INTO redengine_queue (task, request) SELECT 'count', \
         '{\"version\":1,\"task\":\"count\",\"run\":' || n || ',\"attempt\":1,\"args\":[]}' \
         FROM generate_series(1, 500) AS n",
        &[],
    )
    .unwrap();
    let mut a = program(&url, "worker", &file);
    let mut b = program(&url, "worker", &file);
    until(&url, Duration::from_secs(60), "100 runs done", |c| {
        scalar(
            c,
            "SELECT count(*) FROM redengine_queue WHERE state = 'done'",
        ) >= 100
    });
    let _ = a.kill();
    let _ = a.wait();
    until(&url, Duration::from_secs(90), "no run left queued", |c| {
        scalar(
            c,
            "SELECT count(*) FROM redengine_queue WHERE state = 'queued' OR \
             (state = 'running' AND worker LIKE '%:' || $1)"
                .replace("$1", &b.id().to_string())
                .as_str(),
        ) == 0
    });
    let done = scalar(
        &mut c,
        "SELECT count(*) FROM redengine_queue WHERE state = 'done'",
    );
    let stuck = scalar(
        &mut c,
        "SELECT count(*) FROM redengine_queue WHERE state <> 'done'",
    );
    let claims = scalar(&mut c, "SELECT max(runs)::bigint FROM redengine_queue");
    // No run claimed twice, none lost: the killed worker's in-flight runs (at most its
    // four) stay with it, for the leader to end as crashes.
    assert_eq!(claims, 1);
    assert_eq!(done + stuck, 500);
    assert!(stuck <= 4, "{stuck} runs left with the killed worker");
    let killed = format!("%:{}", a.id());
    let others: i64 = c
        .query_one(
            "SELECT count(*) FROM redengine_queue WHERE state <> 'done' AND worker NOT LIKE $1",
            &[&killed],
        )
        .unwrap()
        .get(0);
    assert_eq!(others, 0);
    // Each done run executed its body once (one line per child); a killed worker's
    // in-flight child may or may not have got to its line.
    let lines = std::fs::read_to_string(&file).unwrap().lines().count() as i64;
    assert!(
        lines >= done && lines <= done + stuck,
        "{lines} bodies ran, {done} done"
    );
    let _ = b.kill();
    let _ = b.wait();
}

/// `(action, attempt, exc_text)` of `task`'s records, in log order.
fn records(url: &str, task: &str) -> Vec<(String, i32, String)> {
    sql(url)
        .query(
            "SELECT action, attempt, exc_text FROM redengine_records WHERE task = $1 ORDER BY id",
            &[&task],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// Starts a leader with `hang` on and waits until a worker's child runs its first attempt.
fn hang_running(url: &str, file: &std::path::Path) -> (Child, Child) {
    let marker = std::path::PathBuf::from(format!("{}.hang", file.display()));
    let _ = std::fs::remove_file(&marker);
    let leader = program_with(url, "run", file, &[("PG_WORK_HANG", "1")]);
    let worker = program(url, "worker", file);
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(&marker).is_err() {
        assert!(
            Instant::now() < deadline,
            "`hang` never started on the worker"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (leader, worker)
}

#[test]
fn a_killed_workers_run_is_closed_crash_when_its_lease_expires_and_retried() {
    let url = pg::database("worker_lease");
    let file = temp_file("lease");
    let (mut leader, mut a) = hang_running(&url, &file);
    let killed = a.id();
    let _ = a.kill();
    let _ = a.wait();
    // Another worker takes the retry; the leader is never restarted.
    let b = program(&url, "worker", &file);
    until(
        &url,
        Duration::from_secs(60),
        "hang's retry succeeding",
        |c| {
            scalar(
                c,
                "SELECT count(*) FROM redengine_records WHERE task = 'hang' AND action = 'success'",
            ) == 1
        },
    );
    assert!(leader.try_wait().unwrap().is_none(), "the leader stopped");
    let hang = records(&url, "hang");
    let actions: Vec<(&str, i32)> = hang.iter().map(|(a, n, _)| (a.as_str(), *n)).collect();
    assert_eq!(
        actions,
        [("run", 1), ("crash", 1), ("run", 2), ("success", 2)],
        "{hang:?}"
    );
    let why = &hang[1].2;
    assert!(
        why.contains("stopped renewing its lease") && why.contains(&format!(":{killed} ")),
        "{why}"
    );
    // The lost run's row is closed for good: a late reply of its worker is ignored.
    let lost = scalar(
        &mut sql(&url),
        "SELECT count(*) FROM redengine_queue WHERE task = 'hang' AND state = 'lost'",
    );
    assert_eq!(lost, 1);
    for mut child in [leader, b] {
        let _ = child.kill();
        let _ = child.wait();
    }
}

#[test]
fn a_worker_run_in_flight_when_the_leader_is_killed_is_closed_crash_by_the_next_leader() {
    let url = pg::database("worker_leader_killed");
    let file = temp_file("leader_killed");
    let (mut old, worker) = hang_running(&url, &file);
    let _ = old.kill();
    let _ = old.wait();
    let new = program_with(&url, "run", &file, &[("PG_WORK_HANG", "1")]);
    until(
        &url,
        Duration::from_secs(60),
        "hang's retry succeeding",
        |c| {
            scalar(
                c,
                "SELECT count(*) FROM redengine_records WHERE task = 'hang' AND action = 'success'",
            ) == 1
        },
    );
    let hang = records(&url, "hang");
    let actions: Vec<(&str, i32)> = hang.iter().map(|(a, n, _)| (a.as_str(), *n)).collect();
    assert_eq!(
        actions,
        [("run", 1), ("crash", 1), ("run", 2), ("success", 2)],
        "{hang:?}"
    );
    // The dead leader's running row was cancelled: its worker ends the first child and
    // closes the row.
    until(
        &url,
        Duration::from_secs(30),
        "the first run's row closed",
        |c| {
            c.query_one(
                "SELECT state FROM redengine_queue WHERE task = 'hang' ORDER BY id LIMIT 1",
                &[],
            )
            .unwrap()
            .get::<_, String>(0)
                == "done"
        },
    );
    for mut child in [new, worker] {
        let _ = child.kill();
        let _ = child.wait();
    }
}

// --- The crash outcome, without a server: what a leader does with a lost run ---

mod lost {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};
    use redengine::log::{Action, MemoryLog, TaskRecord};
    use redengine::{Execution, ManualClock, Outcome, Session, Task, Zone};

    /// `y` (daily; its first run is lost when `lose`), `r` (a run lost once, one retry),
    /// and two watchers counting their runs: `after task 'y' failed` and `daily & task
    /// 'y' has crashed`.
    fn run(log: &MemoryLog, lose: bool) -> (usize, usize) {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap());
        let calls = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicUsize::new(0));
        let crashed = Arc::new(AtomicUsize::new(0));
        let lost_once = |calls: Arc<AtomicUsize>, lose: bool| {
            move |_: &redengine::TaskContext| {
                if lose && calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    Outcome::Crash("its worker stopped renewing its lease".into())
                } else {
                    Outcome::Success(None)
                }
            }
        };
        let count = |n: &Arc<AtomicUsize>| {
            let n = Arc::clone(n);
            move |_: &redengine::TaskContext| {
                n.fetch_add(1, Ordering::SeqCst);
            }
        };
        Session::builder()
            .clock(clock)
            .zone(Zone::Utc)
            .log_store(log.clone())
            .task_execution(Execution::Main)
            .shut_cond("scheduler has run over 10 minutes")
            .task(
                Task::builder("y")
                    .start_cond("daily")
                    .run(lost_once(Arc::clone(&calls), lose)),
            )
            .task(
                Task::builder("r")
                    .start_cond("daily")
                    .retries(1)
                    .retry_delay("1 minute")
                    .run(lost_once(Arc::new(AtomicUsize::new(0)), true)),
            )
            .task(
                Task::builder("failed_y")
                    .start_cond("after task 'y' failed")
                    .run(count(&failed)),
            )
            .task(
                Task::builder("crashed_y")
                    .start_cond("daily & task 'y' has crashed")
                    .run(count(&crashed)),
            )
            .build()
            .unwrap()
            .run()
            .unwrap();
        (
            failed.load(Ordering::SeqCst),
            crashed.load(Ordering::SeqCst),
        )
    }

    fn actions(log: &MemoryLog, task: &str) -> Vec<(Action, u32)> {
        log.records()
            .iter()
            .filter(|r| r.task_name == task)
            .map(|r| (r.action, r.attempt))
            .collect()
    }

    #[test]
    fn a_lost_run_is_a_crash_to_conditions_and_retries_like_a_run_a_dead_scheduler_left_open() {
        // A run left open by a dead scheduler: closed `crash` at start-up.
        let at = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00+00:00").unwrap();
        let restarted = MemoryLog::with_records([TaskRecord::run("y", at)]);
        let seen_after_restart = run(&restarted, false);
        // A run its executor lost: `Outcome::Crash`.
        let lost = MemoryLog::new();
        let seen_after_loss = run(&lost, true);
        // The same to conditions: not `failed`, `has crashed`.
        assert_eq!(seen_after_restart, (0, 1));
        assert_eq!(seen_after_loss, seen_after_restart);
        assert_eq!(
            actions(&restarted, "y")[..2],
            [(Action::Run, 1), (Action::Crash, 1)]
        );
        assert_eq!(
            actions(&lost, "y")[..2],
            [(Action::Run, 1), (Action::Crash, 1)]
        );
        assert_eq!(
            actions(&lost, "y")[2..],
            actions(&restarted, "y")[2..],
            "the same runs after the crash"
        );
        // Why, in exc_text; no runtime, as for a start-up crash.
        let crash = lost
            .records()
            .into_iter()
            .find(|r| r.task_name == "y" && r.action == Action::Crash)
            .unwrap();
        assert_eq!(crash.exc_text, "its worker stopped renewing its lease");
        assert_eq!(crash.runtime, None);
        // Retried when the task says so.
        assert_eq!(
            actions(&lost, "r"),
            [
                (Action::Run, 1),
                (Action::Crash, 1),
                (Action::Run, 2),
                (Action::Success, 2)
            ]
        );
    }
}

#[test]
fn a_run_queued_in_a_superseded_leadership_epoch_is_never_claimed() {
    let url = pg::database("worker_fencing");
    let file = temp_file("fencing");
    redengine::PostgresLog::new(&url).prepare().unwrap();
    let mut c = sql(&url);
    // Leader 1 queued a run, then leader 2 took over (epoch 2) and queued one.
    let request =
        |run: u32| format!(r#"{{"version":1,"task":"count","run":{run},"attempt":1,"args":[]}}"#);
    c.execute("UPDATE redengine_leadership SET epoch = 2", &[])
        .unwrap();
    for (run, epoch) in [(1, 1_i64), (2, 2)] {
        c.execute(
            "INSERT INTO redengine_queue (task, request, epoch) VALUES ('count', $1, $2)",
            &[&request(run), &epoch],
        )
        .unwrap();
    }
    let mut worker = program(&url, "worker", &file);
    // Runs are claimed oldest first: the stale one would have gone first.
    until(&url, Duration::from_secs(60), "the current run done", |c| {
        scalar(
            c,
            "SELECT count(*) FROM redengine_queue WHERE epoch = 2 AND state = 'done'",
        ) == 1
    });
    let stale = c
        .query_one(
            "SELECT state, runs FROM redengine_queue WHERE epoch = 1",
            &[],
        )
        .unwrap();
    assert_eq!(
        (stale.get::<_, String>(0), stale.get::<_, i32>(1)),
        ("queued".to_owned(), 0)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 1);
    let _ = worker.kill();
    let _ = worker.wait();
}
