// Methods are not tasks.
struct Mailbox;

impl Mailbox {
    #[redengine::task(start_cond = "daily")]
    fn check(&self) {}
}

fn main() {}
