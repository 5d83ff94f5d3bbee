// `#[task]` on something that is not a function.
#[redengine::task(start_cond = "daily")]
struct NotATask;

fn main() {}
