//! The status page in a real headless Chromium driven over WebDriver: the task rows and
//! the timeline of a running scheduler, a run asked with the token appearing, the same
//! refused without it, and a task named `<script>alert(1)</script>` with an HTML failure
//! message shown as text, no script run. Screenshots go to the target directory.

mod status_http;

use std::path::PathBuf;

use redengine::Action;

use status_http::webdriver::Browser;
use status_http::{act, count, encode, past_day, start_with, until, TOKEN, XSS};

fn shot(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("status-screenshots");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir.join(name)
}

#[test]
fn the_page_in_a_real_browser() {
    let r = start_with(past_day());
    act(&r, "ok_task", 1, Action::Success);
    act(&r, XSS, 1, Action::Fail);
    let b = Browser::start();
    let base = format!("http://{}", r.addr);

    // The tasks page: a row per task; the XSS name is text, and no alert opened.
    b.open(&format!("{base}/"));
    let rows = until(10, "three task rows", || {
        let rows = b.all("tr.task");
        (rows.len() == 3).then_some(rows)
    });
    let texts: Vec<String> = rows.iter().map(|e| b.text(e)).collect();
    assert!(texts.iter().any(|t| t.contains(XSS)), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("ok_task")), "{texts:?}");
    assert_eq!(b.alert(), None, "a script ran on the tasks page");
    b.screenshot(&shot("tasks.png"));

    // The timeline: an SVG with a bar per run.
    b.open(&format!("{base}/timeline"));
    b.find("svg#timeline");
    assert!(b.all("svg#timeline rect.bar.success").len() >= 2);
    assert!(b.all("svg#timeline rect.bar.fail").len() >= 2);
    b.screenshot(&shot("timeline.png"));

    // The XSS task's page: the failure message is shown as text.
    b.open(&format!("{base}/task/{}", encode(XSS)));
    let runs = b.find("table#runs");
    let text = b.text(&runs);
    assert!(text.contains("<b>boom</b>"), "{text}");
    assert!(
        b.all("table#runs b").is_empty(),
        "the message became markup"
    );
    assert_eq!(b.alert(), None, "a script ran on the task page");
    assert!(!b.source().contains("<img src=x"));

    // Run now without the token: refused, nothing runs.
    b.open(&format!("{base}/task/ok_task"));
    let token = b.find("#token");
    b.click(&b.find("button[data-action=run]"));
    let result = b.find("#action-result");
    let refused = until(10, "the refusal", || {
        Some(b.text(&result)).filter(|t| !t.is_empty())
    });
    assert!(refused.starts_with("403"), "{refused}");
    assert_eq!(count(&r.log, "ok_task", Action::Run), 1);

    // With the token: accepted, and the run appears on the page.
    b.clear(&token);
    b.type_in(&token, TOKEN);
    b.click(&b.find("button[data-action=run]"));
    until(10, "the run to be accepted", || {
        Some(b.text(&result)).filter(|t| t.starts_with("202"))
    });
    until(30, "the second success", || {
        (count(&r.log, "ok_task", Action::Success) == 2).then_some(())
    });
    // The page shows it once its cached answer (half a second) is renewed.
    until(10, "the run on the task page", || {
        b.open(&format!("{base}/task/ok_task"));
        let successes = b
            .all("table#runs td.success")
            .iter()
            .filter(|e| b.text(e) == "success")
            .count();
        (successes == 2).then_some(())
    });
    b.screenshot(&shot("task.png"));
}
