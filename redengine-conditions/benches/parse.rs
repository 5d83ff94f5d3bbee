//! Parse time of the conditions of Red Engine's Advanced Guide.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use redengine_conditions::parse;

const GUIDE: &[&str] = &[
    "daily after 08:00",
    "daily between 08:00 and 08:15 | daily between 22:00 and 22:15",
    "daily between 09:00 and 10:00 & time of week between Monday and Friday",
    "after task 'get_data' succeeded",
    "minutely",
    "time of day between 16:00 and 20:00",
];

fn guide_conditions(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for input in GUIDE {
        group.bench_function(*input, |b| b.iter(|| parse(black_box(input))));
    }
    group.finish();
    c.bench_function("parse/error: daily after 8", |b| {
        b.iter(|| parse(black_box("daily after 8")));
    });
}

criterion_group!(benches, guide_conditions);
criterion_main!(benches);
