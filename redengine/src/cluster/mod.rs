//! Cluster mode: several scheduler nodes on one PostgreSQL database, exactly one of which
//! leads (`docs/cluster.md`).
//!
//! The leadership lives in the store ([`PostgresLog`](crate::log::PostgresLog)): the
//! scheduler's start-up takes a session-scoped advisory lock on the connection every
//! record is written through, and waits as a standby while another node holds it. The
//! engine needs no other change: a new leader's start-up reads the history back and
//! closes the dead leader's open runs as `crash` (retried if their task says so) exactly
//! as a restarted single scheduler does, and a leader that lost its connection cannot
//! write the `run` record that precedes every launch, so it stops; each leadership's
//! epoch refuses whatever a superseded leader still writes, on any connection. This
//! module adds the run queue of `execution = "worker"` tasks ([`queue`] on the leader,
//! [`worker`] on the workers) and answers `status`.

#[cfg(feature = "postgres")]
pub(crate) mod queue;
#[cfg(feature = "postgres")]
mod status;
#[cfg(feature = "postgres")]
pub(crate) mod worker;

#[cfg(feature = "postgres")]
pub(crate) use self::status::status;

#[cfg(feature = "postgres")]
pub(crate) use crate::log::columns::host;
