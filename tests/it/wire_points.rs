//! The PBPoints walker against prost: arbitrary points walk to exactly their prost content,
//! concatenated payloads walk as one, and arbitrary bytes never panic and are refused whenever
//! prost refuses their framing.

use proptest::prelude::*;
use prost::Message;
use tailsampling::wire::proto::point::{
    field::Val, Debug as PbDebug, Field, PbPoint, PbPoints, Warn,
};
use tailsampling::wire::{count_points, Points, Problem, Value, WireError};

fn val() -> impl Strategy<Value = Option<Val>> {
    prop_oneof![
        Just(None),
        any::<i64>().prop_map(|v| Some(Val::I(v))),
        any::<u64>().prop_map(|v| Some(Val::U(v))),
        any::<f64>().prop_map(|v| Some(Val::F(v))),
        any::<bool>().prop_map(|v| Some(Val::B(v))),
        proptest::collection::vec(any::<u8>(), 0..16).prop_map(|v| Some(Val::D(v))),
        (".{0,12}", proptest::collection::vec(any::<u8>(), 0..16))
            .prop_map(|(type_url, value)| { Some(Val::A(prost_types::Any { type_url, value })) }),
        ".{0,16}".prop_map(|v| Some(Val::S(v))),
    ]
}

fn field() -> impl Strategy<Value = Field> {
    (".{0,10}", val(), any::<bool>(), 0..6i32, ".{0,4}", ".{0,8}").prop_map(
        |(key, val, is_tag, r#type, unit, description)| Field {
            key,
            val,
            is_tag,
            r#type,
            unit,
            description,
        },
    )
}

fn point() -> impl Strategy<Value = PbPoint> {
    (
        ".{0,10}",
        proptest::collection::vec(field(), 0..6),
        any::<i64>(),
        proptest::collection::vec(
            (".{0,4}", ".{0,8}").prop_map(|(r#type, msg)| Warn { r#type, msg }),
            0..2,
        ),
        proptest::collection::vec(".{0,8}".prop_map(|info| PbDebug { info }), 0..2),
    )
        .prop_map(|(name, fields, time, warns, debugs)| PbPoint {
            name,
            fields,
            time,
            warns,
            debugs,
        })
}

fn points() -> impl Strategy<Value = PbPoints> {
    proptest::collection::vec(point(), 0..5).prop_map(|arr| PbPoints { arr })
}

/// A value in a form that compares floats by their bits.
#[derive(Debug, PartialEq)]
enum Plain {
    Tag(Vec<u8>),
    Str(Vec<u8>),
    Int(i64),
    Uint(u64),
    Float(u64),
    Bool(bool),
    Bytes(Vec<u8>),
    Any(Vec<u8>),
}

fn plain(v: Value<'_>) -> Plain {
    match v {
        Value::Tag(s) => Plain::Tag(s.to_vec()),
        Value::Str(s) => Plain::Str(s.to_vec()),
        Value::Int(i) => Plain::Int(i),
        Value::Uint(u) => Plain::Uint(u),
        Value::Float(f) => Plain::Float(f.to_bits()),
        Value::Bool(b) => Plain::Bool(b),
        Value::Bytes(d) => Plain::Bytes(d.to_vec()),
        Value::Any(a) => Plain::Any(a.to_vec()),
    }
}

fn expected_value(f: &Field) -> Option<Plain> {
    Some(match f.val.as_ref()? {
        Val::S(s) if f.is_tag => Plain::Tag(s.clone().into_bytes()),
        Val::S(s) => Plain::Str(s.clone().into_bytes()),
        Val::I(i) => Plain::Int(*i),
        Val::U(u) => Plain::Uint(*u),
        Val::F(x) => Plain::Float(x.to_bits()),
        Val::B(b) => Plain::Bool(*b),
        Val::D(d) => Plain::Bytes(d.clone()),
        Val::A(a) => Plain::Any(a.encode_to_vec()),
    })
}

type Walked = Vec<(Vec<u8>, i64, Vec<(Vec<u8>, Option<Plain>, bool)>)>;

fn walk(payload: &[u8]) -> Result<Walked, WireError> {
    Points::new(payload)
        .map(|point| {
            let point = point?;
            let fields = point
                .fields()
                .map(|f| f.map(|f| (f.key.to_vec(), f.value.map(plain), f.is_tag)))
                .collect::<Result<_, _>>()?;
            Ok((point.name().to_vec(), point.time(), fields))
        })
        .collect()
}

fn expected(points: &PbPoints) -> Walked {
    points
        .arr
        .iter()
        .map(|p| {
            let fields = p
                .fields
                .iter()
                .map(|f| (f.key.clone().into_bytes(), expected_value(f), f.is_tag))
                .collect();
            (p.name.clone().into_bytes(), p.time, fields)
        })
        .collect()
}

fn is_group(err: &WireError) -> bool {
    matches!(
        err,
        WireError::Decode {
            problem: Problem::Group(_),
            ..
        }
    )
}

/// Forgets the content of `Any` values: protobuf merges repeated occurrences of that message,
/// the walker keeps the last one (the value is opaque to conditions either way).
fn without_any(walked: Walked) -> Walked {
    let forget = |(key, value, is_tag)| match value {
        Some(Plain::Any(_)) => (key, Some(Plain::Any(Vec::new())), is_tag),
        value => (key, value, is_tag),
    };
    walked
        .into_iter()
        .map(|(name, time, fields)| (name, time, fields.into_iter().map(forget).collect()))
        .collect()
}

/// Whatever prost decodes, the walker walks to the same content; whatever the walker refuses
/// (other than groups, which prost skips), prost refuses too. The walker does not check UTF-8,
/// so it may accept what prost refuses.
fn agrees_with_prost(bytes: &[u8]) -> Result<(), TestCaseError> {
    let ours = walk(bytes);
    match PbPoints::decode(bytes) {
        Ok(theirs) => {
            if !matches!(&ours, Err(e) if is_group(e)) {
                let ours = ours.map(without_any);
                prop_assert_eq!(ours.as_ref().ok(), Some(&without_any(expected(&theirs))));
                prop_assert_eq!(count_points(bytes), Ok(theirs.arr.len()));
            }
        }
        Err(err) => {
            if ours.is_ok() {
                let err = err.to_string();
                prop_assert!(
                    err.contains("UTF-8"),
                    "prost refused what the walker accepts: {}",
                    err
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn walks_exactly_the_prost_content(p in points()) {
        let bytes = p.encode_to_vec();
        prop_assert_eq!(walk(&bytes).unwrap(), expected(&p));
        prop_assert_eq!(count_points(&bytes), Ok(p.arr.len()));
    }

    #[test]
    fn concatenation_walks_as_one(a in points(), b in points()) {
        let mut bytes = a.encode_to_vec();
        bytes.extend(b.encode_to_vec());
        let mut all = a.clone();
        all.arr.extend(b.arr.iter().cloned());
        prop_assert_eq!(walk(&bytes).unwrap(), expected(&all));
        prop_assert_eq!(count_points(&bytes), Ok(all.arr.len()));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        agrees_with_prost(&bytes)?;
    }

    #[test]
    fn truncations_and_mutations(p in points(), at in any::<proptest::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = p.encode_to_vec();
        for len in 0..bytes.len() {
            agrees_with_prost(&bytes[..len])?;
        }
        if !bytes.is_empty() {
            let i = at.index(bytes.len());
            bytes[i] = byte;
            agrees_with_prost(&bytes)?;
        }
    }
}

#[test]
fn empty_payload_has_no_points() {
    assert_eq!(Points::new(&[]).count(), 0);
    assert_eq!(count_points(&[]), Ok(0));
}

#[test]
fn a_span() {
    let span = PbPoint {
        name: "ddtrace".into(),
        time: 1_700_000_000_000_000_000,
        fields: vec![
            Field {
                key: "status".into(),
                is_tag: true,
                val: Some(Val::S("error".into())),
                ..Field::default()
            },
            Field {
                key: "duration".into(),
                val: Some(Val::I(1500)),
                ..Field::default()
            },
            Field {
                key: "empty".into(),
                ..Field::default()
            },
        ],
        ..PbPoint::default()
    };
    let bytes = PbPoints { arr: vec![span] }.encode_to_vec();
    let point = Points::new(&bytes).next().unwrap().unwrap();
    assert_eq!(point.name(), b"ddtrace");
    assert_eq!(point.time(), 1_700_000_000_000_000_000);
    let values: Vec<_> = point.fields().map(|f| f.unwrap().value).collect();
    assert_eq!(
        values,
        vec![Some(Value::Tag(b"error")), Some(Value::Int(1500)), None]
    );
}
