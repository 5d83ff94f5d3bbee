// Generic task functions cannot be called by the scheduler.
#[redengine::task(start_cond = "daily")]
fn generic<T: Default>() -> T {
    T::default()
}

fn main() {}
