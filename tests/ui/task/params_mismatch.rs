// Red Engine's guide's own bug: a parameter bound to `my_data` while the argument is `mydata`.
#[redengine::task(params(my_data = Return("get_data")))]
fn process_data(mydata: Option<Vec<u32>>) {
    let _ = mydata;
}

// A return binding must be received as `Option<T>`.
#[redengine::task(params(data = Return("get_data")))]
fn not_optional(data: Vec<u32>) {
    let _ = data;
}

// A per-task parameter value of the wrong type.
#[redengine::task(params(receivers = vec!["me@example.com"]))]
fn report_news(receivers: Vec<String>) {
    let _ = receivers;
}

fn main() {}
