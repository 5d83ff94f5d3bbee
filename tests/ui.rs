//! Compile-time behaviour of the attribute macros: `ui/**` must fail with exactly the
//! recorded messages, `pass/*` must compile and run. Snapshots are made with
//! `TRYBUILD=overwrite cargo test -p redengine-tests --test ui` and reviewed by hand.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/**/*.rs");
    cases.pass("pass/*.rs");
}
