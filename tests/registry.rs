//! What `#[task]`, `#[param]` and `#[condition]` expand to, written by hand: generated code
//! reaches everything through `::redengine::__private` (this crate does not depend on
//! `inventory`), and `Session::from_registry()` runs it like builder tasks.

mod common;

use std::sync::Mutex;

use redengine::__private as rt;
use redengine::{Action, Execution, ManualClock, Session, Zone};

use common::{count, monday, of};

/// What `report` received: receivers, friend_list, data.
type Received = (Vec<String>, Vec<String>, Option<u32>);

static RECEIVED: Mutex<Vec<Received>> = Mutex::new(Vec::new());

// #[task(start_cond = "daily after 07:00", execution = "main")]
// fn get_data() -> Result<u32, String> { Ok(42) }
const _: () = {
    fn __redengine_call(ctx: &rt::Ctx) -> rt::Outcome {
        let _ = ctx;
        // The outcome is read on the concrete return type: `.plan()` on `Returned<R>`
        // borrowed seven times picks the first layer that applies.
        #[allow(unused_imports)]
        use rt::{
            AnyValue as _, ErrDisplay as _, ErrDynSources as _, ErrOther as _,
            ErrSharedSources as _, ErrSources as _, ErrStop as _, NoValue as _,
        };
        let returned: Result<u32, String> = Ok(42);
        #[allow(clippy::needless_borrow)] // the borrows are the point: they rank the layers
        (&&&&&&&rt::Returned::<Result<u32, String>>::new())
            .plan()
            .finish(returned)
    }
    rt::inventory::submit! {
        rt::TaskDef {
            name: "get_data",
            start_cond: Some("daily after 07:00"),
            end_cond: None,
            execution: Some(rt::Execution::Main),
            timeout: None,
            priority: 0,
            flags: rt::TaskFlags::NONE,
            args: &[],
            params: &[],
            returns: rt::TypeInfo::of::<u32>(),
            call: __redengine_call,
            async_call: None,
            location: rt::Location::new(file!(), line!(), column!()),
            retry: rt::RetryDef::NONE,
            zone: None,
            misfire: None,
        }
    }
};

// #[task(start_cond = "after task 'get_data' succeeded",
//        parameters(receivers = vec!["me@example.com".to_string()], data = Return("get_data")))]
// fn report(receivers: Vec<String>, friend_list: Vec<String>, data: Option<u32>) { … }
const _: () = {
    fn __redengine_receivers() -> rt::Value {
        rt::Value::new(vec!["me@example.com".to_string()])
    }
    fn __redengine_call(ctx: &rt::Ctx) -> rt::Outcome {
        let receivers = match rt::arg::<Vec<String>>(ctx, 0) {
            Ok(v) => v,
            Err(e) => return rt::Outcome::Fail(e),
        };
        let friend_list = match rt::arg::<Vec<String>>(ctx, 1) {
            Ok(v) => v,
            Err(e) => return rt::Outcome::Fail(e),
        };
        let data = match rt::returned::<u32>(ctx, 2) {
            Ok(v) => v,
            Err(e) => return rt::Outcome::Fail(e),
        };
        RECEIVED
            .lock()
            .unwrap()
            .push((receivers, friend_list, data));
        #[allow(unused_imports)]
        use rt::{AnyValue as _, NoValue as _};
        #[allow(clippy::needless_borrow)]
        (&&&&&&&rt::Returned::<()>::new()).plan().finish(())
    }
    rt::inventory::submit! {
        rt::TaskDef {
            name: "report",
            start_cond: Some("after task 'get_data' succeeded & is_open"),
            end_cond: None,
            execution: Some(rt::Execution::Main),
            timeout: None,
            priority: 0,
            flags: rt::TaskFlags::NONE,
            args: &[
                rt::ArgDef { name: "receivers", ty: rt::TypeInfo::of::<Vec<String>>() },
                rt::ArgDef { name: "friend_list", ty: rt::TypeInfo::of::<Vec<String>>() },
                rt::ArgDef { name: "data", ty: rt::TypeInfo::of::<u32>() },
            ],
            params: &[
                rt::ParamBinding { name: "receivers", value: rt::BindingValue::Value(__redengine_receivers) },
                rt::ParamBinding { name: "data", value: rt::BindingValue::Return("get_data") },
            ],
            returns: rt::TypeInfo::of::<()>(),
            call: __redengine_call,
            async_call: None,
            location: rt::Location::new(file!(), line!(), column!()),
            retry: rt::RetryDef::NONE,
            zone: None,
            misfire: None,
        }
    }
};

// #[param] fn friend_list() -> Vec<String> { vec!["ann".into()] }
const _: () = {
    fn __redengine_param(_: &rt::ParamContext<'_>) -> Result<rt::Value, String> {
        rt::param_value(vec!["ann".to_string()])
    }
    rt::inventory::submit! {
        rt::ParamDef {
            name: "friend_list",
            returns: rt::TypeInfo::of::<Vec<String>>(),
            call: __redengine_param,
            location: rt::Location::new(file!(), line!(), column!()),
        }
    }
};

// #[condition] fn is_open(ctx: &ConditionContext) -> bool { ctx.owner().is_some() }
const _: () = {
    fn __redengine_condition(ctx: &rt::ConditionContext<'_>) -> Result<bool, String> {
        rt::condition_result(Ok::<bool, String>(ctx.owner() == Some("report")))
    }
    rt::inventory::submit! {
        rt::ConditionDef {
            name: "is_open",
            call: __redengine_condition,
            location: rt::Location::new(file!(), line!(), column!()),
        }
    }
};

#[test]
fn registered_definitions_run_like_builder_tasks() {
    let log = redengine::MemoryLog::new();
    let mut session = Session::from_registry()
        .clock(ManualClock::new(monday(0, 0)))
        .zone(Zone::Utc)
        .log_store(log.clone())
        .task_execution(Execution::Thread)
        .custom_poll(std::time::Duration::from_secs(600))
        .shut_cond("scheduler has run over 2 days")
        .build()
        .unwrap();
    session.run().unwrap();
    // Monday and Tuesday 07:00 (the scheduler stops just after Wednesday 00:00).
    assert_eq!(count(&log, "get_data", Action::Success), 2);
    assert_eq!(count(&log, "report", Action::Success), 2);
    let received = RECEIVED.lock().unwrap();
    assert_eq!(received.len(), 2);
    for (receivers, friends, data) in received.iter() {
        assert_eq!(receivers, &["me@example.com".to_string()]);
        assert_eq!(friends, &["ann".to_string()]);
        assert_eq!(*data, Some(42));
    }
    // Definition order is source order: get_data (line above report) runs first each day.
    let first = &log.records()[0];
    assert_eq!(first.task_name, "get_data");
    assert!(of(&log, "report", Action::Fail).is_empty());
}
