//! `examples/tokio.rs`, run for real (about two seconds): its async task talks to the
//! program's own TCP service, its thread task runs beside it, and the program stops the
//! scheduler itself.

mod common;

use std::process::Command;

#[test]
fn the_tokio_example_pings_its_service_and_is_stopped_by_the_program() {
    let out = Command::new(env!("CARGO_BIN_EXE_example_tokio"))
        .arg("2")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    common::assert_code(&out, 0);
    let stdout = common::stdout(&out);
    assert!(stdout.contains("ping -> pong"), "{stdout}");
    assert!(
        stdout.contains("tidy: a plain task on a thread"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("stopped by the program after 2 s\n"),
        "{stdout}"
    );
}
