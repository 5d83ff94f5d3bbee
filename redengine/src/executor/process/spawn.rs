//! Starting a process child: this binary, re-executed with `posix_spawn`.
//!
//! perfspeed: `std::process::Command` rebuilds the whole environment at every spawn as
//! soon as one variable is set (a sorted map of every variable, then a C string each:
//! about 80,000 instructions a spawn with 40 variables), and the child's markers are two
//! variables. Here what does not change between runs is built once per process: the
//! image to run, the argument list and the environment without the markers. A spawn
//! only adds the two marker strings.
//!
//! So a child gets the scheduler's environment as it was at the scheduler's first process
//! run, plus the markers: a variable set or removed later (`std::env::set_var` while
//! the scheduler runs, which other threads cannot do safely anyway) does not reach later
//! children. The arguments are the scheduler's own, which never change.
//!
//! The child is started as `std::process::Command` would start it: in a new process
//! group it leads, with an empty signal mask and SIGPIPE at its default action, standard
//! input the given socket, standard error a new pipe, standard output inherited.

use std::ffi::{CStr, CString, OsString};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::OnceLock;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::spawn::{posix_spawn, PosixSpawnAttr, PosixSpawnFileActions, PosixSpawnFlags};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::wire::RUN_ENV;
use crate::task_env::TASK_ENV;

/// What every child runs: built once per process.
struct Image {
    /// The file to execute: `std::env::current_exe()` when the image was built (the
    /// kernel's `/proc/self/exe` would name the tool running the program instead, under
    /// valgrind or an emulator).
    path: CString,
    /// What error messages call it (the executable's path).
    shown: String,
    /// `argv`: the executable's path, then the scheduler's own arguments.
    argv: Vec<CString>,
    /// The environment without the markers.
    env: Vec<CString>,
}

/// A started child: its pid and the read end of its standard error.
pub(crate) struct Spawned {
    pub(crate) pid: Pid,
    pub(crate) stderr: OwnedFd,
}

/// Starts this binary as the process child of `task`'s run `run`, with `stdin` as its
/// standard input; `Err` is the text of a pre-run failure.
pub(crate) fn spawn(stdin: &OwnedFd, task: &str, run: u64) -> Result<Spawned, String> {
    let image = image().map_err(|e| {
        format!("task '{task}': cannot find the current executable to start its child: {e}")
    })?;
    let task_var = CString::new(format!("{TASK_ENV}={task}")).map_err(|_| {
        format!("task '{task}': its name has a NUL character, which cannot reach a child process")
    })?;
    let run_var = CString::new(format!("{RUN_ENV}={run}")).unwrap_or_default();
    let mut env: Vec<&CStr> = Vec::with_capacity(image.env.len() + 2);
    env.extend(image.env.iter().map(CString::as_c_str));
    env.push(&task_var);
    env.push(&run_var);
    let started = (|| -> nix::Result<Spawned> {
        let (stderr, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
        let mut actions = PosixSpawnFileActions::init()?;
        actions.add_dup2(stdin.as_raw_fd(), 0)?;
        actions.add_dup2(write.as_raw_fd(), 2)?;
        let mut attr = PosixSpawnAttr::init()?;
        attr.set_pgroup(Pid::from_raw(0))?;
        attr.set_sigmask(&SigSet::empty())?;
        let mut default = SigSet::empty();
        default.add(Signal::SIGPIPE);
        attr.set_sigdefault(&default)?;
        attr.set_flags(
            PosixSpawnFlags::POSIX_SPAWN_SETPGROUP
                | PosixSpawnFlags::POSIX_SPAWN_SETSIGMASK
                | PosixSpawnFlags::POSIX_SPAWN_SETSIGDEF,
        )?;
        let pid = posix_spawn(image.path.as_c_str(), &actions, &attr, &image.argv, &env)?;
        Ok(Spawned { pid, stderr })
    })();
    started.map_err(|e| {
        format!(
            "task '{task}': cannot start {}: {}",
            image.shown,
            std::io::Error::from(e)
        )
    })
}

/// Waits for the child `pid` to end (retrying interruptions): its exit status.
pub(crate) fn wait(pid: Pid) -> std::io::Result<ExitStatus> {
    loop {
        if let Some(status) = reap(pid, None)? {
            return Ok(status);
        }
    }
}

/// The exit status of the child `pid` if it ended (it is reaped then), without waiting.
pub(crate) fn try_wait(pid: Pid) -> std::io::Result<Option<ExitStatus>> {
    reap(pid, Some(WaitPidFlag::WNOHANG))
}

/// One `waitpid`: the status if the child ended; `None` if not yet (or interrupted).
fn reap(pid: Pid, flags: Option<WaitPidFlag>) -> std::io::Result<Option<ExitStatus>> {
    match waitpid(pid, flags) {
        Ok(WaitStatus::Exited(_, code)) => Ok(Some(ExitStatus::from_raw((code & 0xff) << 8))),
        Ok(WaitStatus::Signaled(_, signal, core)) => Ok(Some(ExitStatus::from_raw(
            signal as i32 | if core { 0x80 } else { 0 },
        ))),
        // Still running, stopped or continued: not an end.
        Ok(_) | Err(Errno::EINTR) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The image, built at the first call; an error is not kept (the next spawn tries again).
fn image() -> std::io::Result<&'static Image> {
    static IMAGE: OnceLock<Image> = OnceLock::new();
    if let Some(image) = IMAGE.get() {
        return Ok(image);
    }
    let image = build()?;
    Ok(IMAGE.get_or_init(|| image))
}

fn build() -> std::io::Result<Image> {
    let exe = std::env::current_exe()?;
    let shown = exe.display().to_string();
    let c = |s: OsString| CString::new(s.into_vec()).map_err(std::io::Error::other);
    let exe_path = exe.into_os_string();
    let mut argv = vec![c(exe_path.clone())?];
    for arg in std::env::args_os().skip(1) {
        argv.push(c(arg)?);
    }
    let mut env = Vec::new();
    for (key, value) in std::env::vars_os() {
        if key == TASK_ENV || key == RUN_ENV {
            continue;
        }
        let mut pair = key.into_vec();
        pair.push(b'=');
        pair.extend(value.into_vec());
        // The environment cannot hold a NUL; a variable that does anyway is left out.
        if let Ok(pair) = CString::new(pair) {
            env.push(pair);
        }
    }
    Ok(Image {
        path: c(exe_path)?,
        shown,
        argv,
        env,
    })
}
