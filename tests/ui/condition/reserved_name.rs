// Custom conditions need names the condition language reads as custom conditions.
#[redengine::condition]
fn daily() -> bool {
    true
}

#[redengine::condition]
fn dialy() -> bool {
    true
}

#[redengine::condition]
fn not_bool() -> u32 {
    1
}

fn main() {}
