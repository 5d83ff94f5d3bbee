//! Cluster mode: several scheduler nodes on one PostgreSQL database, exactly one of which
//! leads (`docs/cluster.md`).
//!
//! The leadership lives in the store ([`PostgresLog`](crate::log::PostgresLog)): the
//! scheduler's start-up takes a session-scoped advisory lock on the connection every
//! record is written through, and waits as a standby while another node holds it. The
//! engine needs no other change: a new leader's start-up reads the history back and
//! closes the dead leader's open runs as `crash` (retried if their task says so) exactly
//! as a restarted single scheduler does, and a leader that lost its connection cannot
//! write the `run` record that precedes every launch, so it stops. This module chooses
//! the store for a URL and answers `status`.

#[cfg(feature = "postgres")]
mod status;

#[cfg(feature = "postgres")]
pub(crate) use self::status::status;

use std::time::Duration;

use crate::log::LogStore;

/// The PostgreSQL store for `url` with the cluster's `lease`, or why there is none.
pub(crate) fn store(url: &str, lease: Duration) -> Result<Box<dyn LogStore>, String> {
    #[cfg(feature = "postgres")]
    {
        Ok(Box::new(crate::log::PostgresLog::new(url).lease(lease)))
    }
    #[cfg(not(feature = "postgres"))]
    {
        let _ = lease;
        crate::log::open_url(url)
    }
}
