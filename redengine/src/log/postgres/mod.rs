//! The PostgreSQL log (`PostgresLog`, with the `postgres` feature): the task log in a
//! PostgreSQL database, shared by the nodes of a cluster (`docs/cluster.md`).
//!
//! This module is always compiled for [`is_postgres_url`] and [`open_url`], so that a
//! program built without the feature says which feature a `postgres://` URL needs
//! instead of taking it for a CSV file name.

#[cfg(feature = "postgres")]
mod leadership;
#[cfg(feature = "postgres")]
mod password;
#[cfg(feature = "postgres")]
mod rows;
#[cfg(feature = "postgres")]
mod schema;
#[cfg(feature = "postgres")]
mod store;

#[cfg(feature = "postgres")]
pub(crate) use self::leadership::queue_target;
#[cfg(feature = "postgres")]
pub(crate) use self::password::config as connection_config;
#[cfg(feature = "postgres")]
pub use self::store::{PostgresLog, DEFAULT_LEASE, LEADER_KEY};

use super::LogStore;

/// Whether `text` is a PostgreSQL connection URL (`postgres://…` or `postgresql://…`):
/// the `--log` argument and the `log_postgres` key choose the PostgreSQL store by it.
pub fn is_postgres_url(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// The store for a PostgreSQL URL with the cluster's `lease`, or why there is none (a
/// build without the `postgres` feature).
pub(crate) fn open_url(url: &str, lease: std::time::Duration) -> Result<Box<dyn LogStore>, String> {
    #[cfg(feature = "postgres")]
    {
        Ok(Box::new(PostgresLog::new(url).lease(lease)))
    }
    #[cfg(not(feature = "postgres"))]
    {
        let _ = (url, lease);
        Err(NO_FEATURE.to_owned())
    }
}

/// The error of a PostgreSQL URL in a build without the feature.
#[cfg(not(feature = "postgres"))]
pub(crate) const NO_FEATURE: &str =
    "a PostgreSQL log (`postgres://…`) needs redengine's `postgres` \
feature: add `features = [\"postgres\"]` to the program's redengine dependency and rebuild";
