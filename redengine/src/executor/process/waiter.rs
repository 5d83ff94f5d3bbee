//! The waiter of one child, on a pooled helper thread: it sends the rest of the request,
//! reads the reply and the child's standard error, reaps the child and builds the run's
//! result.
//!
//! perfspeed: one thread polls the child's socket and its standard error together. A
//! separate reader thread for standard error cost every run a second hand-over at its
//! start and two more wake-ups at its end (the reader at end of file, then the waiter
//! waiting for the reader).

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::unistd::Pid;

use super::group::{self, Group};
use super::spawn;
use super::stderr::Stderr;
use super::wire::{self, Reply};
use crate::clock::Clock;
use crate::context::TerminationFlag;
use crate::executor::job::Done;
use crate::outcome::{JobResult, Outcome};
use crate::procctl::pool::Report;
use crate::value::TypeInfo;

/// How long a reaped child's stderr may stay open (held by a grandchild) before the run is
/// reported without the rest of it.
const STDERR_LINGER: Duration = Duration::from_millis(100);

/// How often a child that replied but whose socket stays open (a process it forked holds
/// it) is checked for its exit.
const EXIT_CHECK: u8 = 50;

/// How long a child that replied has to end. Its reply is its last act (it flushed its
/// standard output before it), so only an exit that blocks (a destructor at exit that
/// never returns) takes longer; the run is already over, so the scheduler no longer
/// counts the child or times it out, and its group is killed instead of left behind.
const AFTER_REPLY: Duration = group::KILL_GRACE;

/// What the waiter thread needs to supervise one child.
pub(super) struct Waiter {
    pub(super) name: String,
    pub(super) ours: UnixStream,
    /// What is left to send of the request line.
    pub(super) request: Vec<u8>,
    pub(super) pid: Pid,
    pub(super) group: Arc<Group>,
    pub(super) stderr: Stderr,
    pub(super) flag: TerminationFlag,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) returns: TypeInfo,
}

impl Waiter {
    /// Sends the request, reads the reply, reaps the child and reports the result: what
    /// the pool thread reports once it is idle again, or `None` if it reported already.
    pub(super) fn wait(mut self, done: Done) -> Option<Report> {
        let reply = self.exchange();
        let reply = std::str::from_utf8(&reply)
            .ok()
            .and_then(|line| serde_json::from_str::<Reply>(line).ok())
            .filter(|reply| reply.version == wire::VERSION);
        if let Some(reply) = reply {
            // perfspeed: the reply is the child's last act, and it carries the run's end:
            // the scheduler gets it now and launches what comes next while the child's
            // exit (unmapping a large binary takes a tenth of a millisecond) runs beside
            // it. The lines the child printed before replying are logged first.
            self.stderr.drain();
            done(reply.into_result(&self.name, self.returns, self.clock.now()));
            let _ = self.reap(Some(Instant::now() + AFTER_REPLY));
            self.group.mark_reaped();
            self.stderr.linger(Instant::now() + STDERR_LINGER);
            return None;
        }
        let status = self.reap(None);
        self.group.mark_reaped();
        let reaped_at = self.clock.now();
        self.stderr.linger(Instant::now() + STDERR_LINGER);
        let result = if self.flag.is_set() {
            JobResult {
                outcome: Outcome::Terminated,
                prerun: false,
                end: reaped_at,
            }
        } else {
            let how = match status {
                Ok(status) => group::describe(status),
                Err(e) => format!("could not be waited for ({e})"),
            };
            let mut text = format!(
                "the child process of task '{}' {how} without reporting an outcome",
                self.name
            );
            let tail = self.stderr.lines();
            if !tail.is_empty() {
                text.push_str("\nstderr (last lines):\n");
                text.push_str(&tail);
            }
            JobResult {
                outcome: Outcome::Fail(text),
                prerun: false,
                end: reaped_at,
            }
        };
        Some(Box::new(move || done(result)))
    }

    /// Writes the rest of the request and reads the reply line, reading standard error
    /// meanwhile: the reply's bytes up to its line end, or what came before the socket
    /// ended (a child that died cannot answer; its exit status tells why).
    fn exchange(&mut self) -> Vec<u8> {
        let mut reply = Vec::new();
        let mut sent = 0;
        if !self.request.is_empty() && self.ours.set_nonblocking(true).is_err() {
            // Written whole instead (it may wait for the child to read).
            let _ = (&self.ours).write_all(&self.request);
            sent = self.request.len();
        }
        loop {
            let mut want = PollFlags::POLLIN;
            if sent < self.request.len() {
                want |= PollFlags::POLLOUT;
            }
            let (socket, stderr) =
                match ready(Some(&self.ours), want, &self.stderr, PollTimeout::NONE) {
                    Ok(ready) => ready,
                    Err(Errno::EINTR) => continue,
                    Err(_) => return reply,
                };
            if stderr {
                self.stderr.read_once();
            }
            if socket.intersects(PollFlags::POLLOUT | PollFlags::POLLERR | PollFlags::POLLHUP)
                && sent < self.request.len()
            {
                match (&self.ours).write(&self.request[sent..]) {
                    Ok(n) => sent += n,
                    Err(e) if is_retry(&e) => {}
                    // The child is gone: it reads nothing more.
                    Err(_) => sent = self.request.len(),
                }
            }
            if socket.intersects(PollFlags::POLLIN | PollFlags::POLLERR | PollFlags::POLLHUP) {
                // A reply is a line of a few hundred bytes: a longer one takes more reads.
                let mut buf = [0_u8; 512];
                match (&self.ours).read(&mut buf) {
                    Ok(0) => return reply,
                    Ok(n) => {
                        reply.extend_from_slice(&buf[..n]);
                        if let Some(end) = reply.iter().position(|b| *b == b'\n') {
                            reply.truncate(end + 1);
                            return reply;
                        }
                    }
                    Err(e) if is_retry(&e) => {}
                    Err(_) => return reply,
                }
            }
        }
    }

    /// Waits for the child to end, reading its standard error until then: a child blocked
    /// on a full pipe would never end. Once the pipe is closed nothing can fill up, and the
    /// waiter simply waits for the exit. A child still there at `deadline` (one that
    /// replied) has its group killed.
    fn reap(&mut self, deadline: Option<Instant>) -> std::io::Result<ExitStatus> {
        // The socket hangs up when the child's last thread closes it, as it ends.
        let mut ending = false;
        let mut deadline = deadline;
        while self.stderr.fd().is_some() {
            self.kill_when_late(&mut deadline);
            if ending {
                // A grandchild holds the pipe: check for the exit between reads.
                if let Some(status) = spawn::try_wait(self.pid)? {
                    return Ok(status);
                }
            }
            // Once hung up, the socket is no longer watched (it would report at once, again
            // and again).
            let socket = (!ending).then_some(&self.ours);
            let timeout = PollTimeout::from(EXIT_CHECK);
            match ready(socket, PollFlags::empty(), &self.stderr, timeout) {
                Ok((socket, stderr)) => {
                    if stderr {
                        self.stderr.read_once();
                    }
                    if socket.intersects(PollFlags::POLLHUP | PollFlags::POLLERR) {
                        ending = true;
                    } else if !stderr && !ending {
                        // A process the child forked may hold the socket open.
                        if let Some(status) = spawn::try_wait(self.pid)? {
                            return Ok(status);
                        }
                    }
                }
                Err(Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if deadline.is_none() {
            return spawn::wait(self.pid);
        }
        loop {
            if let Some(status) = spawn::try_wait(self.pid)? {
                return Ok(status);
            }
            self.kill_when_late(&mut deadline);
            if deadline.is_none() {
                return spawn::wait(self.pid);
            }
            std::thread::sleep(Duration::from_millis(EXIT_CHECK.into()));
        }
    }

    /// Kills the group of a child that replied but is still there at `deadline` (then
    /// cleared: it is killed once), and says so.
    fn kill_when_late(&self, deadline: &mut Option<Instant>) {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            *deadline = None;
            ::log::warn!(
                target: "redengine::scheduler",
                "task '{}': its child process reported its run but had not ended {} s later; \
                 its process group was killed",
                self.name,
                AFTER_REPLY.as_secs()
            );
            self.group.kill_now();
        }
    }
}

/// Polls the socket (if given) for `want` (hang-ups are always reported) and standard
/// error, while open, for input: the socket's events, and whether standard error needs a
/// read.
fn ready(
    socket: Option<&UnixStream>,
    want: PollFlags,
    stderr: &Stderr,
    timeout: PollTimeout,
) -> nix::Result<(PollFlags, bool)> {
    let mut fds = Vec::with_capacity(2);
    if let Some(socket) = socket {
        fds.push(PollFd::new(socket.as_fd(), want));
    }
    let err = fds.len();
    if let Some(fd) = stderr.fd() {
        fds.push(PollFd::new(fd, PollFlags::POLLIN));
    }
    poll(&mut fds, timeout)?;
    let revents = |i: usize| {
        fds.get(i)
            .and_then(PollFd::revents)
            .unwrap_or(PollFlags::empty())
    };
    let socket = if socket.is_some() {
        revents(0)
    } else {
        PollFlags::empty()
    };
    Ok((socket, !revents(err).is_empty()))
}

fn is_retry(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
    )
}
