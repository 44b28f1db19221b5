//! The PBPoints walker: `wire::Points` and `PointRef::fields` never panic, accept everything
//! prost accepts and yield the same names, times, keys and values; what they refuse prost
//! refuses too (except groups), and what only they accept differs from prost in UTF-8 checks
//! alone (the walker keeps strings as bytes); `count_points` agrees with the walk.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use tailsampling::wire::proto::point::{field::Val, Field, PbPoint, PbPoints};
use tailsampling::wire::{count_points, FieldRef, PointRef, Points, Problem, Value, WireError};

/// The whole walk: every point with its fields, or the first error.
fn walk(payload: &[u8]) -> Result<Vec<(PointRef<'_>, Vec<FieldRef<'_>>)>, WireError> {
    Points::new(payload)
        .map(|point| {
            let point = point?;
            Ok((point, point.fields().collect::<Result<_, _>>()?))
        })
        .collect()
}

fn same_field(ours: &FieldRef<'_>, theirs: &Field) {
    assert_eq!(ours.key, theirs.key.as_bytes());
    assert_eq!(ours.is_tag, theirs.is_tag);
    let expected = theirs.val.as_ref().map(|val| match val {
        Val::I(i) => Value::Int(*i),
        Val::U(u) => Value::Uint(*u),
        Val::F(f) => Value::Float(*f),
        Val::B(b) => Value::Bool(*b),
        Val::D(d) => Value::Bytes(d),
        // prost merges repeated `a` messages, the walker keeps the last: compare the type only.
        Val::A(_) => Value::Any(&[]),
        Val::S(s) if theirs.is_tag => Value::Tag(s.as_bytes()),
        Val::S(s) => Value::Str(s.as_bytes()),
    });
    match (ours.value, expected) {
        (Some(Value::Any(_)), Some(Value::Any(_))) => {}
        // Bit equality, so that NaNs compare.
        (Some(Value::Float(a)), Some(Value::Float(b))) => assert_eq!(a.to_bits(), b.to_bits()),
        (a, b) => assert_eq!(a, b),
    }
}

fn same_point(ours: &PointRef<'_>, fields: &[FieldRef<'_>], theirs: &PbPoint) {
    assert_eq!(ours.name(), theirs.name.as_bytes());
    assert_eq!(ours.time(), theirs.time);
    assert_eq!(fields.len(), theirs.fields.len());
    for (a, b) in fields.iter().zip(&theirs.fields) {
        same_field(a, b);
    }
}

fuzz_target!(|payload: &[u8]| {
    let ours = walk(payload);
    assert_eq!(
        count_points(payload),
        ours.as_ref().map(Vec::len).map_err(Clone::clone)
    );
    match (&ours, PbPoints::decode(payload)) {
        (Ok(points), Ok(theirs)) => {
            assert_eq!(points.len(), theirs.arr.len());
            for ((point, fields), pb) in points.iter().zip(&theirs.arr) {
                same_point(point, fields, pb);
            }
        }
        (Ok(_), Err(e)) => assert!(
            e.to_string().contains("UTF-8"),
            "accepted what prost refuses: {e}"
        ),
        (Err(e), Ok(_)) => assert!(
            matches!(
                e,
                WireError::Decode {
                    problem: Problem::Group(_),
                    ..
                }
            ),
            "refused what prost accepts: {e}"
        ),
        (Err(e), Err(_)) => {
            if let WireError::Decode { offset, .. } = e {
                assert!(*offset <= payload.len(), "{e}: offset past the input");
            }
        }
    }
});
