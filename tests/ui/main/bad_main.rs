// The main function builds the session: no arguments, and it returns it.
#[redengine::main]
fn main(args: Vec<String>) -> redengine::Session {
    let _ = args;
    redengine::Session::from_registry().build().unwrap()
}
