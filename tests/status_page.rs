//! The status page over HTTP with a scheduler running on a thread: the pages, escaping,
//! the JSON API, `/metrics` parsed as Prometheus text and checked against the log after a
//! scripted sequence of runs, the token-guarded actions, and the request limits.

mod status_http;

use std::collections::HashMap;

use redengine::Action;

use status_http::{act, count, encode, get, post, request, start, until, TOKEN, XSS};

#[test]
fn pages_escape_api_metrics_and_actions() {
    let r = start();
    // A scripted sequence: two successes, one failure, through the page's actions.
    act(&r, "ok_task", 1, Action::Success);
    act(&r, "ok_task", 2, Action::Success);
    act(&r, XSS, 1, Action::Fail);

    // The tasks page: rows for every task, names escaped.
    let page = until(10, "the tasks page to show the runs", || {
        let p = get(&r.addr, "/");
        (p.body.contains("fail</span>") && p.body.contains("success</span>")).then_some(p)
    });
    assert_eq!(page.status, 200);
    assert_eq!(
        page.body.matches("<tr class=\"task\"").count(),
        3,
        "{}",
        page.body
    );
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        !page.body.contains(XSS),
        "a task name reached the page unescaped"
    );
    assert!(page.body.contains("daily after 23:59:59"));

    // The task page: its check explanation, its runs with the message escaped.
    let task = get(&r.addr, &format!("/task/{}", encode(XSS)));
    assert_eq!(task.status, 200);
    assert!(
        task.body.contains("&lt;b&gt;boom&lt;/b&gt;"),
        "{}",
        task.body
    );
    assert!(
        !task.body.contains("<img"),
        "a message reached the page unescaped"
    );
    let daily = get(&r.addr, "/task/daily_report");
    assert!(
        daily
            .body
            .contains("would not start: its start_cond is false"),
        "{}",
        daily.body
    );
    assert!(daily.body.contains("id=\"explanation\""));
    assert_eq!(get(&r.addr, "/task/nope").status, 404);

    // The timeline: one SVG row per task, a bar per run with its title.
    let timeline = get(&r.addr, "/timeline");
    assert_eq!(timeline.status, 200);
    assert!(timeline.body.contains("<svg id=\"timeline\""));
    assert_eq!(timeline.body.matches("class=\"bar success\"").count(), 2);
    assert_eq!(timeline.body.matches("class=\"bar fail\"").count(), 1);
    assert!(timeline.body.contains("<title>ok_task: success from"));
    assert_eq!(get(&r.addr, "/timeline?since=tomorrow").status, 400);

    // The history, filtered and paged.
    let failed = get(&r.addr, "/history?outcome=failed");
    assert_eq!(failed.body.matches("<tr class=\"record\"").count(), 1);
    assert_eq!(get(&r.addr, "/history?outcome=nonsense").status, 400);
    let json: serde_json::Value =
        serde_json::from_str(&get(&r.addr, "/api/history?task=ok_task").body).expect("json");
    assert_eq!(json["records"].as_array().map(Vec::len), Some(4));
    assert_eq!(json["more"], false);
    // (Answers are reused for half a second: `up` asked this one before the runs.)
    let status = until(10, "the JSON status to show the runs", || {
        let v: serde_json::Value =
            serde_json::from_str(&get(&r.addr, "/api/status").body).expect("json");
        (v["tasks"][0]["last"]["action"] == "success").then_some(v)
    });
    assert_eq!(status["tasks"][0]["name"], "ok_task");
    assert_eq!(status["tasks"][1]["last"]["action"], "fail");

    // /metrics: Prometheus text whose counters match the log.
    let metrics = get(&r.addr, "/metrics");
    assert_eq!(metrics.status, 200);
    let scrape = prometheus_parse::Scrape::parse(metrics.body.lines().map(|l| Ok(l.to_string())))
        .expect("/metrics parses as Prometheus text");
    let mut runs: HashMap<(String, String), f64> = HashMap::new();
    for s in &scrape.samples {
        if s.metric == "redengine_task_runs_total" {
            let v = match s.value {
                prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
                ref other => panic!("runs counter of another type: {other:?}"),
            };
            let task = s.labels.get("task").unwrap_or_default().to_string();
            let outcome = s.labels.get("outcome").unwrap_or_default().to_string();
            runs.insert((task, outcome), v);
        }
    }
    for (task, action) in [("ok_task", Action::Success), (XSS, Action::Fail)] {
        let key = (task.to_string(), action.as_str().to_string());
        assert_eq!(
            runs.get(&key).copied(),
            Some(count(&r.log, task, action) as f64),
            "{key:?} in {}",
            metrics.body
        );
    }
    assert!(scrape
        .samples
        .iter()
        .any(|s| s.metric == "redengine_task_last_success_timestamp_seconds"));
    assert!(scrape
        .samples
        .iter()
        .any(|s| s.metric == "redengine_scheduler_cycles"));
    assert!(scrape
        .samples
        .iter()
        .any(|s| s.metric == "redengine_log_append_errors_total"));
    assert!(metrics
        .body
        .contains("redengine_task_run_duration_seconds_bucket"));
}

#[test]
fn actions_need_post_and_the_token() {
    let r = start();
    let path = "/api/tasks/ok_task/run";
    let none = post(&r.addr, path, &[]);
    assert_eq!(none.status, 403);
    assert!(none.body.contains("no token"), "{}", none.body);
    let wrong = post(
        &r.addr,
        path,
        &[("X-Redengine-Token", "not-the-token-at-all")],
    );
    assert_eq!(wrong.status, 403);
    assert!(wrong.body.contains("wrong token"));
    let bad_scheme = post(
        &r.addr,
        path,
        &[("Authorization", &format!("Basic {TOKEN}"))],
    );
    assert_eq!(bad_scheme.status, 403);
    // A GET never acts.
    assert_eq!(get(&r.addr, path).status, 405);
    assert_eq!(count(&r.log, "ok_task", Action::Run), 0);
    // Unknown task or action.
    let h = [("X-Redengine-Token", TOKEN)];
    assert_eq!(post(&r.addr, "/api/tasks/nope/run", &h).status, 404);
    assert_eq!(post(&r.addr, "/api/tasks/ok_task/explode", &h).status, 404);
    // Disable, then enable, through the handle.
    assert_eq!(post(&r.addr, "/api/tasks/ok_task/disable", &h).status, 202);
    until(10, "the task to show disabled", || {
        get(&r.addr, "/api/status")
            .body
            .contains("\"flags\":[\"disabled\"]")
            .then_some(())
    });
    assert_eq!(post(&r.addr, "/api/tasks/ok_task/enable", &h).status, 202);
    assert_eq!(count(&r.log, "ok_task", Action::Run), 0);
}

#[test]
fn requests_are_bounded() {
    let r = start();
    let big = "x".repeat(64 * 1024);
    let reply = request(&r.addr, "POST", "/api/tasks/ok_task/run", &[], &big);
    // Refused before any body is read as an action.
    assert!(matches!(reply.map(|r| r.status), Ok(413) | Err(_)));
    let long = format!("/history?task={}", "y".repeat(4096));
    assert_eq!(get(&r.addr, &long).status, 414);
    assert_eq!(
        request(&r.addr, "DELETE", "/", &[], "")
            .map(|r| r.status)
            .ok(),
        Some(405)
    );
}

/// `serve`: the status page of a log, read-only, from a binary's command line while no
/// scheduler runs. It shows the log's runs; actions are refused.
#[test]
fn serve_shows_a_log_read_only() {
    use std::process::{Command, Stdio};

    let dir = std::env::temp_dir().join(format!("redengine-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let log = dir.join("tasks.csv");
    let at = chrono::Utc::now().fixed_offset() - chrono::TimeDelta::minutes(5);
    {
        use redengine::{CsvLog, LogStore, TaskRecord};
        let mut csv = CsvLog::new(&log);
        let _ = csv.load().expect("a new CSV log");
        csv.append(&TaskRecord::run("get_data", at))
            .expect("append");
        csv.append(&TaskRecord::finish(
            "get_data",
            Action::Fail,
            at,
            at,
            "<i>oops</i>",
        ))
        .expect("append");
        csv.sync().expect("sync");
    }
    let addr = status_http::free_addr();
    let mut child = Command::new(env!("CARGO_BIN_EXE_store_cli"))
        .args(["--log"])
        .arg(&log)
        .args(["serve", "--addr", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start store_cli serve");
    let status = until(30, "serve to answer", || {
        status_http::request(&addr, "GET", "/api/status", &[], "")
            .ok()
            .filter(|r| r.status == 200 && r.body.contains("get_data"))
    });
    let v: serde_json::Value = serde_json::from_str(&status.body).expect("json");
    assert_eq!(v["live"], false);
    assert_eq!(v["tasks"][0]["last"]["action"], "fail");
    let history = get(&addr, "/history?task=get_data");
    assert!(
        history.body.contains("&lt;i&gt;oops&lt;/i&gt;"),
        "{}",
        history.body
    );
    let refused = post(
        &addr,
        "/api/tasks/get_data/run",
        &[("X-Redengine-Token", TOKEN)],
    );
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("read-only"), "{}", refused.body);
    assert_eq!(get(&addr, "/metrics").status, 404);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Beyond `status_connections` open connections, the next one is answered `503` with
/// `Retry-After` at once; when the held ones close, requests are served again.
#[test]
fn connections_beyond_the_limit_get_503() {
    use std::io::Read;
    use std::net::TcpStream;

    let r = status_http::start_limited(&[("status_connections", "2"), ("status_timeout", "60 s")]);
    // Two connections that send nothing hold both places (for up to the 60 s timeout).
    // A place may still be held a moment by the last request of the start-up (closed by
    // the client, not yet seen closed by the server): then a request after the two held
    // ones is served, or one of the two was refused itself (its 503 is waiting to be
    // read), and the test holds two new ones.
    let (held, busy) = until(10, "two held connections to fill the places", || {
        let held: Vec<TcpStream> = (0..2)
            .map(|_| TcpStream::connect(&r.addr).expect("connect"))
            .collect();
        // The server accepts in order: this comes after the two held ones, so a refusal
        // of either was written before this answer.
        let busy = request(&r.addr, "GET", "/", &[], "").expect("an answer, not a reset");
        let both_held = held.iter().all(|h| !answered(h));
        (busy.status == 503 && both_held).then_some((held, busy))
    });
    assert!(
        busy.body.contains("2 connections are open"),
        "{}",
        busy.body
    );
    for _ in 0..3 {
        let busy = request(&r.addr, "GET", "/", &[], "").expect("an answer, not a reset");
        assert_eq!(busy.status, 503, "{}", busy.body);
    }
    let mut raw = TcpStream::connect(&r.addr).expect("connect");
    status_http::send(&mut raw, "GET", "/", &[], "").expect("send");
    let mut text = String::new();
    let _ = raw.read_to_string(&mut text);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("\r\nRetry-After: 1\r\n"), "{text}");
    drop(held);
    until(10, "the held connections to be closed", || {
        request(&r.addr, "GET", "/api/status", &[], "")
            .ok()
            .filter(|reply| reply.status == 200)
    });
}

/// Whether the server already wrote to (or closed) `stream`, which sent nothing: it
/// refused it instead of holding it open.
fn answered(stream: &std::net::TcpStream) -> bool {
    stream.set_nonblocking(true).expect("nonblocking");
    let seen = match stream.peek(&mut [0u8; 1]) {
        Ok(_) => true,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    };
    stream.set_nonblocking(false).expect("blocking");
    seen
}

/// `status_rate` paces the answers of all clients together: ten requests at 20 answers
/// a second take at least the nine intervals between them (a lower bound, which a slow
/// machine cannot break), and a config value of 0 is refused with the accepted form.
#[test]
fn answers_are_paced_by_status_rate() {
    use std::time::{Duration, Instant};

    let r = status_http::start_limited(&[("status_rate", "20")]);
    let start = Instant::now();
    for _ in 0..10 {
        let reply = request(&r.addr, "GET", "/api/status", &[], "").expect("an answer");
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(450),
        "10 answers at 20/s came in {took:?}"
    );
    let err = redengine::Session::builder()
        .config("status_rate", "0")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("status_rate"), "{err}");
    assert!(err.contains("answers per second"), "{err}");
}

/// A client that sends half a request is dropped when `status_timeout` runs out, and
/// holds no place after that.
#[test]
fn a_partial_request_is_dropped_after_the_timeout() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    let r = status_http::start_limited(&[("status_connections", "1"), ("status_timeout", "0.3")]);
    // The one place may still be held a moment by the last request of the start-up
    // (closed by the client, not yet seen closed by the server): then the slow client
    // gets `503` at once, and tries again.
    let got = until(10, "the slow client to hold the place", || {
        let mut slow = TcpStream::connect(&r.addr).expect("connect");
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .expect("write half a request");
        // The server closes it without an answer; a minute is far beyond the timeout,
        // and only reached if the server never drops it.
        slow.set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        let mut got = Vec::new();
        let read = slow.read_to_end(&mut got);
        if got.starts_with(b"HTTP/1.1 503") {
            return None;
        }
        Some((read, got))
    });
    match got {
        (Ok(_), got) => assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got)),
        (Err(e), _) => assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "the server never dropped the slow client: {e}"
        ),
    }
    // Its place is free again.
    until(10, "the place of the slow client to be free", || {
        request(&r.addr, "GET", "/api/status", &[], "")
            .ok()
            .filter(|reply| reply.status == 200)
    });
}

/// Request heads and bodies beyond the bounds are refused with `431` and `413`.
#[test]
fn oversized_heads_and_bodies_are_refused() {
    let r = start();
    let huge = "h".repeat(16 * 1024);
    let head = request(&r.addr, "GET", "/", &[("X-Filler", &huge)], "").expect("an answer");
    assert_eq!(head.status, 431, "{}", head.body);
    assert!(head.body.contains("8192 bytes"), "{}", head.body);
    // A body announced over the bound is refused before it is read.
    let body = "b".repeat(17 * 1024);
    let reply = request(&r.addr, "POST", "/api/tasks/ok_task/run", &[], &body);
    assert!(
        matches!(reply.as_ref().map(|r| r.status), Ok(413) | Err(_)),
        "{reply:?}"
    );
    let mut raw = std::net::TcpStream::connect(&r.addr).expect("connect");
    std::io::Write::write_all(
        &mut raw,
        b"POST /api/tasks/ok_task/run HTTP/1.1\r\nContent-Length: 999999\r\n\r\n",
    )
    .expect("send");
    let answer = status_http::read_reply(&mut raw).expect("an answer");
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert_eq!(count(&r.log, "ok_task", Action::Run), 0);
}

/// A publish builds again only the tasks that changed and shares the others, in chunks:
/// with more tasks than one chunk holds, a run of a task in a later chunk shows, and the
/// tasks around it keep their status.
#[test]
fn a_snapshot_shows_the_changed_task_among_many() {
    use redengine::{Execution, MemoryLog, Session, Task};

    let addr = status_http::free_addr();
    let log = MemoryLog::new();
    let mut session = Session::builder()
        .log_store(log.clone())
        .task_execution(Execution::Main)
        .status_page(&addr)
        .with_tasks((0..150).map(|i| {
            Task::builder(format!("t{i}"))
                .start_cond("false")
                .run(|_| ())
        }))
        .build()
        .expect("session builds");
    let handle = session.handle();
    let thread = std::thread::spawn(move || session.run());
    status_http::up(&addr);
    for name in ["t140", "t3"] {
        handle.force_run(name);
        let status = until(30, "the run to show", || {
            let v: serde_json::Value =
                serde_json::from_str(&get(&addr, "/api/status").body).expect("json");
            let task = v["tasks"]
                .as_array()
                .and_then(|ts| ts.iter().find(|t| t["name"] == name).cloned());
            task.filter(|t| t["last"]["action"] == "success").map(|_| v)
        });
        let tasks = status["tasks"].as_array().expect("tasks");
        assert_eq!(tasks.len(), 150);
        let ran: Vec<&str> = tasks
            .iter()
            .filter(|t| !t["last"].is_null())
            .filter_map(|t| t["name"].as_str())
            .collect();
        let expected: &[&str] = if name == "t140" {
            &["t140"]
        } else {
            &["t3", "t140"]
        };
        assert_eq!(ran, expected);
    }
    handle.shutdown();
    thread.join().expect("scheduler thread").expect("scheduler");
}

/// The server's threads run under the idle scheduling policy, so that a busy page never
/// takes the CPU from the scheduler's loop (Linux; `policy` is field 41 of a thread's
/// `/proc` stat line, 5 = `SCHED_IDLE`).
#[cfg(target_os = "linux")]
#[test]
fn the_server_threads_run_under_the_idle_policy() {
    let r = start();
    assert_eq!(get(&r.addr, "/").status, 200);
    let mut policies = Vec::new();
    for entry in std::fs::read_dir("/proc/self/task").expect("/proc") {
        let dir = entry.expect("task entry").path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if !comm.starts_with("redengine-statu") {
            continue;
        }
        let stat = std::fs::read_to_string(dir.join("stat")).unwrap_or_default();
        // Fields after the `(comm)` one start at field 3.
        let after = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
        let policy = after
            .split_whitespace()
            .nth(41 - 3)
            .unwrap_or("?")
            .to_string();
        policies.push((comm.trim().to_string(), policy));
    }
    // The accept thread, two renderers, the connection thread that answered.
    assert!(policies.len() >= 4, "{policies:?}");
    assert!(policies.iter().all(|(_, p)| p == "5"), "{policies:?}");
}
