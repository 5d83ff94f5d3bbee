//! Reloading task files while the scheduler runs: poll, re-ignite, swap the changed tasks.
//!
//! The scheduler addresses tasks by index (running runs, forced launches, finished-run
//! events from threads), so tasks are never moved or dropped while it runs: a removed or
//! replaced task is *retired* (never launched again; a run in progress is still reaped and
//! logged under its name) and a new or changed one is appended.

use std::collections::HashMap;

use chrono::TimeDelta;

use crate::cycle::Scheduler;

/// Looks for changed task files if the poll interval has passed (called once per loop
/// turn, before `shut_cond`); applies the changes to the running scheduler.
pub(crate) fn poll(sched: &mut Scheduler<'_>) {
    let now = sched.s.clock.now();
    let Some(loader) = sched.s.loader.as_mut() else {
        return;
    };
    if loader.next_poll.is_some_and(|at| now < at) {
        return;
    }
    let every = TimeDelta::from_std(loader.config.every).unwrap_or(TimeDelta::MAX);
    loader.next_poll = now.checked_add_signed(every);
    if !loader.scan() {
        return;
    }
    let before = loader.live.clone();
    let plan = match super::ignite_quietly(sched.s) {
        Ok(plan) => plan,
        Err(e) => {
            ::log::error!(
                target: "redengine::scheduler",
                "task files changed, but the session no longer passes ignite; keeping the \
                 tasks loaded before: {e}"
            );
            if let Some(loader) = sched.s.loader.as_mut() {
                loader.live = before;
            }
            return;
        }
    };
    let after: HashMap<String, u64> = match sched.s.loader.as_ref() {
        Some(loader) => loader.live.clone(),
        None => return,
    };
    let (mut added, mut replaced, mut removed) = (Vec::new(), Vec::new(), Vec::new());
    for (name, fingerprint) in &before {
        if after.get(name) != Some(fingerprint) {
            retire(sched, name);
            if !after.contains_key(name) {
                removed.push(name.clone());
            }
        }
    }
    for task in plan.tasks {
        let Some(fingerprint) = after.get(&task.name) else {
            continue;
        };
        match before.get(&task.name) {
            Some(old) if old == fingerprint => continue,
            Some(_) => replaced.push(task.name.clone()),
            None => added.push(task.name.clone()),
        }
        // The task is added now: its task_init hooks run now (pre, then post).
        for hook in &sched.s.hooks.task_init {
            if let Some(post) = hook(&task.info) {
                post(&task.info);
            }
        }
        sched.tasks.push(task);
    }
    if added.len() + replaced.len() + removed.len() > 0 {
        ::log::info!(
            target: "redengine::scheduler",
            "task files reloaded: added [{}], replaced [{}], removed [{}]",
            added.join(", "),
            replaced.join(", "),
            removed.join(", ")
        );
        sched.dirty = true;
    }
}

/// Retires the live task `name`: never launched again, its running run still reaped.
fn retire(sched: &mut Scheduler<'_>, name: &str) {
    let Some(i) = sched
        .tasks
        .iter()
        .position(|t| t.name == name && !t.retired)
    else {
        return;
    };
    let task = &mut sched.tasks[i];
    task.retired = true;
    task.flags.disabled = true;
    task.flags.force_run = false;
    sched.forced.remove(&i);
}
