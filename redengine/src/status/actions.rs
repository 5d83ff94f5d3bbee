//! The page's actions — run now, terminate, disable, enable — through the session's
//! handle. Only on POST, only with the operator's token in a header; anything else is
//! refused with `403` and the reason. A GET never acts (the router answers it `405`).

use super::app::{App, Reply};
use super::http::Request;

/// The token the request sent: `Authorization: Bearer T` or `X-Redengine-Token: T`.
fn sent_token(request: &Request) -> Option<&str> {
    if let Some(t) = request.header("X-Redengine-Token") {
        return Some(t.trim());
    }
    let auth = request.header("Authorization")?;
    let (scheme, token) = auth.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Compares without stopping at the first difference, so timing tells nothing.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why the request may not act, if it may not.
pub(crate) fn refusal(sent: Option<&str>, app: &App) -> Option<&'static str> {
    if app.handle.is_none() {
        return Some(
            "this page shows a log read-only (`serve`): there is no scheduler here to act on\n",
        );
    }
    let Some(expected) = app.token.as_deref() else {
        return Some("actions are off: the operator set no `status_token`\n");
    };
    match sent {
        None => Some(
            "no token: send it as `Authorization: Bearer TOKEN` or `X-Redengine-Token: TOKEN`\n",
        ),
        Some(t) if !same(t, expected) => Some("wrong token\n"),
        Some(_) => None,
    }
}

/// `POST /api/tasks/NAME/ACTION`.
pub(crate) fn act(request: &Request, app: &App, task: &str, action: &str) -> Reply {
    if let Some(reason) = refusal(sent_token(request), app) {
        return Reply::text(403, reason);
    }
    let Some(handle) = app.handle.as_ref() else {
        return Reply::text(403, "no scheduler\n");
    };
    if app.slot.read().task(task).is_none() {
        return Reply::text(404, format!("no task named '{task}'\n"));
    }
    let result = match action {
        "run" => {
            handle.force_run(task);
            Ok(())
        }
        "terminate" => {
            handle.force_termination(task);
            Ok(())
        }
        "disable" => handle.disable_task(task),
        "enable" => handle.enable_task(task),
        _ => {
            return Reply::text(
                404,
                format!("no action '{action}': use run, terminate, disable or enable\n"),
            )
        }
    };
    match result {
        Ok(()) => Reply::text(202, format!("{action} '{task}': asked\n")),
        Err(e) => Reply::text(409, format!("{e}\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abcdefgh12345678", "abcdefgh12345678"));
        assert!(!same("abcdefgh12345678", "abcdefgh12345679"));
        assert!(!same("abc", "abcd"));
    }
}
