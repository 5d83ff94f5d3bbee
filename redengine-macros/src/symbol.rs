//! Attribute keys and accepted values, named once so parsing and messages agree.

/// `#[task(name = "…")]`: the task's name (default: the function's name).
pub(crate) const NAME: &str = "name";
/// `#[task(start_cond = "…")]`: when the task starts.
pub(crate) const START_COND: &str = "start_cond";
/// `#[task(end_cond = "…")]`: when a running thread/process run is terminated.
pub(crate) const END_COND: &str = "end_cond";
/// `#[task(execution = "thread")]`.
pub(crate) const EXECUTION: &str = "execution";
/// `#[task(timeout = "2 hours")]`, a number of seconds, or `"never"`.
pub(crate) const TIMEOUT: &str = "timeout";
/// `#[task(priority = 2)]`: higher is checked first.
pub(crate) const PRIORITY: &str = "priority";
/// `#[task(disabled)]`.
pub(crate) const DISABLED: &str = "disabled";
/// `#[task(force_run)]`.
pub(crate) const FORCE_RUN: &str = "force_run";
/// `#[task(on_startup)]`.
pub(crate) const ON_STARTUP: &str = "on_startup";
/// `#[task(on_shutdown)]`.
pub(crate) const ON_SHUTDOWN: &str = "on_shutdown";
/// `#[task(permanent)]`.
pub(crate) const PERMANENT: &str = "permanent";
/// `#[task(params(receivers = vec![…], data = Return("get_data")))]`.
pub(crate) const PARAMS: &str = "params";
// zones: the task's time zone and misfire policy.
/// `#[task(zone = "America/New_York")]`: the zone of the task's wall-clock phrases.
pub(crate) const ZONE: &str = "zone";
/// `#[task(misfire = "skip")]`: what the task does about occurrences missed while down.
pub(crate) const MISFIRE: &str = "misfire";

// retries: the retry and instance keys.
/// `#[task(retries = 3)]`: how many times a failed run is tried again.
pub(crate) const RETRIES: &str = "retries";
/// `#[task(retry_delay = "30 seconds")]`.
pub(crate) const RETRY_DELAY: &str = "retry_delay";
/// `#[task(retry_backoff = 2.0)]`.
pub(crate) const RETRY_BACKOFF: &str = "retry_backoff";
/// `#[task(retry_max_delay = "10 minutes")]`.
pub(crate) const RETRY_MAX_DELAY: &str = "retry_max_delay";
/// `#[task(retry_jitter)]`, `retry_jitter = true` or a fraction.
pub(crate) const RETRY_JITTER: &str = "retry_jitter";
/// `#[task(max_instances = 2)]`.
pub(crate) const MAX_INSTANCES: &str = "max_instances";

/// Every key `#[task]` accepts, in the order messages list them.
pub(crate) const TASK_KEYS: &[&str] = &[
    NAME,
    START_COND,
    END_COND,
    EXECUTION,
    TIMEOUT,
    PRIORITY,
    DISABLED,
    FORCE_RUN,
    ON_STARTUP,
    ON_SHUTDOWN,
    PERMANENT,
    PARAMS,
    RETRIES,
    RETRY_DELAY,
    RETRY_BACKOFF,
    RETRY_MAX_DELAY,
    RETRY_JITTER,
    MAX_INSTANCES,
    // zones
    ZONE,
    MISFIRE,
];

/// The boolean flags of `#[task]`: bare (`disabled`) or `disabled = true`.
pub(crate) const TASK_FLAGS: &[&str] = &[DISABLED, FORCE_RUN, ON_STARTUP, ON_SHUTDOWN, PERMANENT];

/// The function-call form that binds an argument to another task's return value.
pub(crate) const RETURN: &str = "Return";

/// Lists names as "`a`, `b`, `c`" for messages.
pub(crate) fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
