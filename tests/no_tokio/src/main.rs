//! An `async fn` task in a crate without redengine's `tokio` feature: must not compile,
//! and the error must say which feature to enable.

#[redengine::task(start_cond = "daily")]
async fn fetch() {}

fn main() {}
