//! Workers of a scheduler cluster, as real processes on one PostgreSQL database: a
//! leader queues a `worker` task's run and records what a worker reports, and 500
//! queued runs are each executed once by two workers, one of them killed with SIGKILL
//! mid-way (its in-flight runs are never claimed again).

#[path = "common/pg.rs"]
mod pg;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn program(url: &str, command: &str, file: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pg_work"))
        .args(["--log", url, command])
        .env("PG_WORK_FILE", file)
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
