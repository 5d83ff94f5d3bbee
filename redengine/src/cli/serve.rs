//! `serve [--addr ADDR]`: the status page of the session's log, read-only. It needs no
//! running scheduler — another process may run one on the same log — and offers no
//! actions: every second it looks at the log as `list` and `check` do, and its history
//! pages read through the store's read-only reader.

#[cfg(feature = "status")]
pub(super) use with_status::serve;

/// Without the `status` feature there is no server to start.
#[cfg(not(feature = "status"))]
pub(super) fn serve(
    _session: &mut crate::session::Session,
    _addr: &str,
) -> Result<(String, bool), super::failure::Failure> {
    Err(super::failure::Failure::Runtime(
        "`serve` needs redengine's `status` cargo feature: add `features = [\"status\"]` \
         to the program's redengine dependency and rebuild"
            .to_string(),
    ))
}

#[cfg(feature = "status")]
mod with_status {
    use std::sync::{Arc, Mutex, PoisonError};
    use std::time::Duration;

    use redengine_conditions::Action;

    use super::super::check::verdict;
    use super::super::failure::Failure;
    use super::super::list::{entries, flag_names};
    use super::super::snapshot::{kind, Snapshot};
    use crate::scheduler::resolver::CondResolver;
    use crate::session::Session;
    use crate::status::{self, Last, Outlook, RetryStatus, RunStatus, TaskFixed, TaskStatus};

    /// Serves until the process is stopped (SIGINT/SIGTERM end it as usual).
    pub(in super::super) fn serve(
        session: &mut Session,
        addr: &str,
    ) -> Result<(String, bool), Failure> {
        let reader = Mutex::new(session.store.reader());
        let history: status::server::History = Box::new(move |q| {
            match reader
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_mut()
            {
                Some(store) => store.history(q).map_err(|e| e.to_string()),
                None => Ok(Vec::new()),
            }
        });
        let (server, slot) = status::serve(addr, history, status::limits(&session.config))
            .map_err(|e| Failure::Runtime(format!("`serve`: cannot listen on {addr}: {e}")))?;
        eprintln!(
            "serving the status page of the {} at http://{}/ (read-only; stop with Ctrl-C)",
            session.store.describe(),
            server.addr()
        );
        loop {
            match snapshot(session) {
                Ok(snap) => slot.publish(snap),
                Err(e) => eprintln!("warning: {}", failure_text(&e)),
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    fn failure_text(f: &Failure) -> String {
        match f {
            Failure::Usage(e) => e.to_string(),
            Failure::Runtime(m) => m.clone(),
        }
    }

    /// The log now, as the status page's snapshot (what `list` and `check` compute).
    fn snapshot(session: &mut Session) -> Result<status::Snapshot, Failure> {
        let snap = Snapshot::take(session, None)?;
        let params = session.control.params();
        let resolver = CondResolver::new(&params, &session.conditions);
        let zone = snap.zone.to_string();
        let tasks: Vec<TaskStatus> = entries(&snap, &resolver)
            .iter()
            .map(|e| {
                let t = e.task;
                let ctx = snap.context(snap.at, t, &resolver);
                let explanation = t.start.explain(&ctx);
                let (_, verdict) = verdict(t, &snap, &explanation.value);
                let last = snap.history.last_record(&t.name);
                TaskStatus {
                    fixed: Arc::new(TaskFixed {
                        name: t.name.to_string(),
                        kind: t.body.kind_name().to_string(),
                        describe: kind(t),
                        execution: t.execution.to_string(),
                        task_zone: zone.clone(),
                        priority: t.priority,
                        flags: flag_names(t.flags),
                        start_cond: t.start.to_string(),
                        end_cond: t.end.to_string(),
                    }),
                    last: last.map(|(action, at)| Last {
                        action: action.as_str(),
                        at,
                    }),
                    last_success: snap.history.last(&t.name, Action::Success),
                    running: match last {
                        Some((Action::Run, start)) => vec![RunStatus {
                            start,
                            elapsed: (snap.at - start).as_seconds_f64().max(0.0),
                            attempt: 1,
                        }],
                        _ => Vec::new(),
                    },
                    retry: snap
                        .retry(t)
                        .map(|(attempt, of, at)| RetryStatus { attempt, of, at }),
                    outlook: Arc::new(Outlook {
                        next_start: e.next_text(&snap),
                        next_start_at: match e.next {
                            crate::next::NextStart::At(at) => Some(at),
                            crate::next::NextStart::Now => Some(snap.at),
                            _ => None,
                        },
                        verdict,
                        explanation: explanation
                            .to_string()
                            .lines()
                            .map(str::to_string)
                            .collect(),
                    }),
                }
            })
            .collect();
        Ok(status::Snapshot {
            at: snap.at,
            started: None,
            cycles: 0,
            zone: snap.zone_name.clone(),
            log: snap.log.clone(),
            live: false,
            on_hold: false,
            tasks: tasks.into(),
        })
    }
}
