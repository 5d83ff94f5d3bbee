// Generic and async task functions cannot be called by the scheduler.
#[redengine::task(start_cond = "daily")]
fn generic<T: Default>() -> T {
    T::default()
}

#[redengine::task(start_cond = "daily")]
async fn asynchronous() {}

fn main() {}
