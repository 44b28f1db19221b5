//! `Condition::eval` does not allocate: the counting global allocator (`tests/process/heap.rs`)
//! checks it on a condition that exercises every kind of test.

use tailsampling::filter::Condition;
use tailsampling::wire::Value;

use crate::heap::measure;

#[test]
fn eval_does_not_allocate() {
    let _shared = crate::shared();
    let cond = Condition::compile(
        r#"{ status = "error" }; { http_status_code MATCH ["^[45][0-9][0-9]$"] };
           { body_code NOTIN ["0", "200", null] }; { trace_keep = true };
           { parent_id = "0" AND duration > 1000000 }; { resource = re("^GET /tmall/.+$") };
           { f >= 1.5 OR f = 0.1, n != nil, m = nil }; { resource NOTMATCH ["^/health", "\\d"] };
           { resource != re("^/h"), b IN [true, 1] }"#,
    )
    .unwrap();
    let points: [&[(&[u8], Value<'_>)]; 3] = [
        &[
            (b"status", Value::Tag(b"ok")),
            (b"http_status_code", Value::Tag(b"200")),
            (b"body_code", Value::Str(b"0")),
            (b"trace_keep", Value::Bool(false)),
            (b"parent_id", Value::Tag(b"0")),
            (b"duration", Value::Int(10)),
            (b"resource", Value::Str(b"/health/1")),
            (b"f", Value::Float(1.0)),
        ],
        &[
            (b"resource", Value::Str(b"GET /tmall/cart")),
            (b"n", Value::Uint(1)),
        ],
        &[],
    ];
    // Warm up: the regex engines set up their per-thread caches on first use.
    let expected: Vec<bool> = points.iter().map(|p| cond.eval_fields(p)).collect();
    assert_eq!(expected, [false, true, false]);

    let (_, allocations, _) = measure(|| drop(std::hint::black_box(vec![0u8; 1])));
    assert_eq!(allocations, 1, "the counter counts");

    let (_, allocations, _) = measure(|| {
        for _ in 0..100 {
            for (point, &expected) in points.iter().zip(&expected) {
                assert_eq!(cond.eval_fields(point), expected);
            }
        }
    });
    assert_eq!(allocations, 0);
}
