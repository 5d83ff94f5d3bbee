// A parameter function must return a value and take no arguments.
#[redengine::param]
fn friend_list() {}

#[redengine::param]
fn with_argument(count: u32) -> u32 {
    count
}

#[redengine::param(nme = "x")]
fn bad_key() -> u32 {
    1
}

fn main() {}
