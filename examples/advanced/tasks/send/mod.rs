//! The Advanced Guide's parametrized tasks (section "Parametrization"): a task parameter, a session
//! parameter, and another task's return value.

/// In the guide: `parameters={"receivers": ['me@example.com']}` is a task parameter here.
///
/// The guide gives it no `start_cond`; it runs after each successful `store_data`, so the
/// news is the freshly stored data.
#[redengine::task(
    start_cond = "after task 'store_data'",
    params(receivers = vec!["me@example.com".to_string()])
)]
fn report_news(receivers: Vec<String>) {
    println!("    report_news: news sent to {}", receivers.join(", "));
}

/// In the guide: takes the session parameter `friend_list`, computed by the `#[param]` function of
/// `parameters.rs` right before each launch.
///
/// The guide gives it no `start_cond`; it runs once after each `wake_up` (once a day).
#[redengine::task(start_cond = "after task 'wake_up'")]
fn announce(friend_list: Vec<String>) {
    println!("    announce: good morning to {}", friend_list.join(", "));
}

/// In the guide: receives `get_data`'s latest return value (`Return('get_data')`): `None` until
/// `get_data` has succeeded in this process. The guide binds `my_data` to an argument named
/// `mydata`, which would silently pass `None` in Red Engine; here names must match (an
/// ignite error otherwise), so both are `mydata`.
///
/// The guide gives it no `start_cond`; it runs after each successful `get_data`.
#[redengine::task(
    start_cond = "after task 'get_data' succeeded",
    params(mydata = Return("get_data"))
)]
fn process_data(mydata: Option<Vec<u32>>) -> Result<u32, String> {
    let data = mydata.ok_or("get_data has not returned anything yet")?;
    let total = data.iter().sum();
    println!("    process_data: {} readings, total {total}", data.len());
    Ok(total)
}
