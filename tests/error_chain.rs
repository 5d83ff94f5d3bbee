//! A `#[task]` returning `Result<T, E>` logs its error's `source()` chain in `exc_text`
//! when `E` is a `std::error::Error`, and its `Display` otherwise
//! (docs/runtime.md#record-fields).

mod common;

use std::fmt;

use common::{builder, monday, of};
use redengine::{Action, Session};

#[derive(Debug)]
struct Fetch(std::io::Error);

impl fmt::Display for Fetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot fetch the data")
    }
}

impl std::error::Error for Fetch {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[redengine::task(start_cond = "~has started", execution = "main")]
fn with_sources() -> Result<u32, Fetch> {
    Err(Fetch(std::io::Error::new(
        std::io::ErrorKind::ConnectionRefused,
        "connection refused",
    )))
}

#[redengine::task(start_cond = "~has started", execution = "main")]
fn display_only() -> Result<(), String> {
    Err("no rows, retry later".to_string())
}

#[test]
fn fail_records_carry_the_error_and_its_sources() {
    let (_, clock, log) = builder(monday(8, 0));
    let mut session: Session = Session::from_registry()
        .clock(clock)
        .zone(redengine::Zone::Utc)
        .log_store(log.clone())
        .shut_cond("task 'with_sources' has failed & task 'display_only' has failed")
        .build()
        .expect("valid session");
    session.run().expect("ends on shut_cond");
    let with = of(&log, "with_sources", Action::Fail);
    assert_eq!(
        with[0].exc_text,
        "cannot fetch the data\nCaused by: connection refused"
    );
    let plain = of(&log, "display_only", Action::Fail);
    assert_eq!(plain[0].exc_text, "no rows, retry later");
}
