//! How a child notices that the scheduler died, however it died (kill -9 included).
//!
//! The scheduler starts every child with one end of a Unix socket pair as its standard
//! input and keeps the other end, close-on-exec, until it has reaped the child. The child
//! moves its end off standard input and watches it on a thread: it reads nothing but end
//! of file, which comes when the kernel closes the scheduler's end, that is when the
//! scheduler process is gone (or exec'd a new image). There is no window to miss: a
//! scheduler that dies before the child even started watching has already closed its
//! end, and the first read reports it. (A parent-death signal, by contrast, is armed only
//! after exec and fires when the *thread* that spawned the child ends.)
//!
//! An orphaned child terminates its own process group the way the scheduler would have:
//! SIGTERM to every member, then SIGKILL (which ends the child too) once the others are
//! gone or the grace period is over.

use std::io::Read;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::Signal;

use super::Group;

/// Takes the lifeline off standard input (a private, close-on-exec copy) and puts
/// `/dev/null` in its place, so the child's own sub-processes never hold it.
pub(crate) fn take_from_stdin() -> std::io::Result<UnixStream> {
    let fd = std::io::stdin().as_fd().try_clone_to_owned()?;
    let lifeline = UnixStream::from(fd);
    lifeline.local_addr().map_err(|e| {
        std::io::Error::new(e.kind(), format!("standard input is not its socket: {e}"))
    })?;
    let null = std::fs::File::open("/dev/null")?;
    nix::unistd::dup2_stdin(&null)?;
    Ok(lifeline)
}

/// A running watch over the lifeline.
pub(crate) struct Watch {
    orphaned: Arc<AtomicBool>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// Watches `lifeline` on a thread; when the scheduler's end closes, terminates this
/// process's group (SIGTERM, then SIGKILL after at most `grace`). Nothing may be sent on
/// the lifeline after the watch starts: any data read is ignored.
pub(crate) fn watch(lifeline: &UnixStream, grace: Duration) -> std::io::Result<Watch> {
    let mut lifeline = lifeline.try_clone()?;
    let orphaned = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&orphaned);
    let thread = std::thread::Builder::new()
        .name("redengine:lifeline".to_string())
        .spawn(move || {
            let mut buf = [0_u8; 64];
            loop {
                // perfspeed: wait in `poll` for readable (data or end of file) before
                // reading. A thread blocked in `read` is also woken each time the
                // scheduler reads the child's reply (the socket's write-space wake-up),
                // which costs the finishing child a context switch; `poll` is woken only
                // for what it asked.
                // Whatever `poll` answers (an interruption, an error), the read decides.
                let mut fds = [PollFd::new(lifeline.as_fd(), PollFlags::POLLIN)];
                let _ = poll(&mut fds, PollTimeout::NONE);
                match lifeline.read(&mut buf) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    // A reset is the scheduler gone too (it died with a reply unread).
                    Err(_) => break,
                }
            }
            flag.store(true, Ordering::SeqCst);
            terminate_own_group(grace);
        })?;
    Ok(Watch {
        orphaned,
        thread: Mutex::new(Some(thread)),
    })
}

impl Watch {
    /// Whether the scheduler is known to be gone.
    pub(crate) fn orphaned(&self) -> bool {
        self.orphaned.load(Ordering::SeqCst)
    }

    /// Call before this process exits: if the scheduler is gone, waits until the group
    /// is terminated (which ends this process), so no member outlives it unsignalled.
    pub(crate) fn settle(&self) {
        if !self.orphaned() {
            return;
        }
        let thread = match self.thread.lock() {
            Ok(mut thread) => thread.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// The scheduler is gone: terminate this process's group, this process last.
fn terminate_own_group(grace: Duration) {
    let Some(group) = Group::own("orphaned") else {
        // Not a group leader (started by hand?): signal nothing that is not ours.
        std::process::exit(1);
    };
    // Outlive our own SIGTERM, to escalate to SIGKILL if a member ignores it.
    let _ = signal_hook::flag::register(
        signal_hook::consts::SIGTERM,
        Arc::new(AtomicBool::new(false)),
    );
    group.signal(Signal::SIGTERM);
    group.escalate(grace);
    // The SIGKILL above ended this process; this is only reached if it could not.
    std::process::exit(1);
}
