// An `async fn` runs as a future (`async`) or in a child (`process`), never by blocking a
// thread on it; `async` is only for an `async fn`.
#[redengine::task(start_cond = "daily", execution = "thread")]
async fn on_a_thread() {}

#[redengine::task(start_cond = "daily", execution = "main")]
async fn on_the_scheduler() {}

#[redengine::task(start_cond = "daily", execution = "async")]
fn not_async() {}

fn main() {}
