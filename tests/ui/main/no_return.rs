// Forgetting the return type.
#[redengine::main]
fn main() {}
