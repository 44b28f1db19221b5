//! The zero-copy, zero-allocation walker over `point.PBPoints` bytes (REFERENCE.md §1):
//! [`Points`] yields [`PointRef`]s, whose [`fields`](PointRef::fields) yield [`FieldRef`]s with
//! typed [`Value`]s borrowed from the payload; [`count_points`] validates a whole payload.
//!
//! Protobuf semantics apply: fields may come in any order (a point's `time` may follow its
//! fields, `is_tag` may follow `s`), the last occurrence of a field wins, a later member of the
//! `val` oneof replaces an earlier one, and unknown fields are skipped. Strings are not checked
//! for UTF-8 (see [`Value`]). Because PBPoints is `repeated PBPoint arr = 1`, the concatenation
//! of two payloads walks as one.

use super::error::WireError;
use super::pb::{check_framing, Reader, Schema, Wire, WireType};
use super::value::Value;

static PB_POINTS: Schema = Schema {
    message: "PBPoints",
    fields: &[("arr", WireType::Len)],
};

static PB_POINT: Schema = Schema {
    message: "PBPoint",
    fields: &[
        ("name", WireType::Len),
        ("fields", WireType::Len),
        ("time", WireType::Varint),
        ("warns", WireType::Len),
        ("debugs", WireType::Len),
    ],
};

static FIELD: Schema = Schema {
    message: "Field",
    fields: &[
        ("key", WireType::Len),
        ("i", WireType::Varint),
        ("u", WireType::Varint),
        ("f", WireType::I64),
        ("b", WireType::Varint),
        ("d", WireType::Len),
        ("a", WireType::Len),
        ("is_tag", WireType::Varint),
        ("type", WireType::Varint),
        ("unit", WireType::Len),
        ("s", WireType::Len),
        ("description", WireType::Len),
    ],
};

static WARN: Schema = Schema {
    message: "Warn",
    fields: &[("type", WireType::Len), ("msg", WireType::Len)],
};

static DEBUG: Schema = Schema {
    message: "Debug",
    fields: &[("info", WireType::Len)],
};

static ANY: Schema = Schema {
    message: "google.protobuf.Any",
    fields: &[("type_url", WireType::Len), ("value", WireType::Len)],
};

/// Iterates the points of a serialized `PBPoints`. Errors carry byte offsets in the payload;
/// the iteration ends after the first error.
#[derive(Clone, Debug)]
pub struct Points<'a> {
    arr: Reader<'a>,
}

impl<'a> Points<'a> {
    /// A walker over `payload`, the (decompressed) PBPoints bytes.
    pub fn new(payload: &'a [u8]) -> Self {
        Points {
            arr: Reader::new(payload, 0, &PB_POINTS),
        }
    }
}

impl<'a> Iterator for Points<'a> {
    type Item = Result<PointRef<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.arr.next_message(1, PointRef::scan)
    }
}

impl std::iter::FusedIterator for Points<'_> {}

/// One point: its measurement name and time, and its fields (walked on demand).
///
/// Its framing (tags, lengths, wire types, and the framing of `warns` and `debugs`) has been
/// checked; the `Field` messages are checked as [`fields`](Self::fields) walks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PointRef<'a> {
    name: &'a [u8],
    time: i64,
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> PointRef<'a> {
    fn scan(bytes: &'a [u8], offset: usize) -> Result<Self, WireError> {
        let mut point = PointRef {
            name: &[],
            time: 0,
            bytes,
            offset,
        };
        for entry in Reader::new(bytes, offset, &PB_POINT) {
            let entry = entry?;
            match (entry.number, entry.value) {
                (1, Wire::Len(b)) => point.name = b,
                (3, Wire::Varint(v)) => point.time = v as i64,
                (4, Wire::Len(b)) => check_framing(b, entry.offset, &WARN)?,
                (5, Wire::Len(b)) => check_framing(b, entry.offset, &DEBUG)?,
                _ => {}
            }
        }
        Ok(point)
    }

    /// The measurement name.
    pub fn name(&self) -> &'a [u8] {
        self.name
    }

    /// The point time, unix ns.
    pub fn time(&self) -> i64 {
        self.time
    }

    /// The fields (tags and fields alike) in wire order. Ends after the first error.
    pub fn fields(&self) -> Fields<'a> {
        Fields {
            point: Reader::new(self.bytes, self.offset, &PB_POINT),
        }
    }
}

/// Iterates the fields of a [`PointRef`].
#[derive(Clone, Debug)]
pub struct Fields<'a> {
    point: Reader<'a>,
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<FieldRef<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.point.next_message(2, FieldRef::scan)
    }
}

impl std::iter::FusedIterator for Fields<'_> {}

/// One `Field` of a point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FieldRef<'a> {
    /// The key.
    pub key: &'a [u8],
    /// The value: [`Value::Tag`] for a tag (`is_tag` with its value in `s`), otherwise the
    /// type of the `val` oneof; `None` when the oneof is unset.
    pub value: Option<Value<'a>>,
    /// The `is_tag` flag. A tag whose value is not a string keeps that value's type.
    pub is_tag: bool,
}

impl<'a> FieldRef<'a> {
    fn scan(bytes: &'a [u8], offset: usize) -> Result<Self, WireError> {
        let mut field = FieldRef {
            key: &[],
            value: None,
            is_tag: false,
        };
        for entry in Reader::new(bytes, offset, &FIELD) {
            let entry = entry?;
            let value = match (entry.number, entry.value) {
                (1, Wire::Len(b)) => {
                    field.key = b;
                    continue;
                }
                (8, Wire::Varint(v)) => {
                    field.is_tag = v != 0;
                    continue;
                }
                (2, Wire::Varint(v)) => Value::Int(v as i64),
                (3, Wire::Varint(v)) => Value::Uint(v),
                (4, Wire::I64(bits)) => Value::Float(f64::from_bits(bits)),
                (5, Wire::Varint(v)) => Value::Bool(v != 0),
                (6, Wire::Len(b)) => Value::Bytes(b),
                (7, Wire::Len(b)) => {
                    // Protobuf would merge repeated occurrences of this message; the last wins here.
                    check_framing(b, entry.offset, &ANY)?;
                    Value::Any(b)
                }
                (11, Wire::Len(b)) => Value::Str(b),
                _ => continue,
            };
            field.value = Some(value);
        }
        if let (true, Some(Value::Str(s))) = (field.is_tag, field.value) {
            field.value = Some(Value::Tag(s));
        }
        Ok(field)
    }
}

/// Walks a whole PBPoints payload, every point and every field, and returns the number of
/// points, or the first error.
pub fn count_points(payload: &[u8]) -> Result<usize, WireError> {
    let mut count = 0;
    for point in Points::new(payload) {
        for field in point?.fields() {
            field?;
        }
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A protobuf length-delimited field.
    fn len_field(number: u8, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![number << 3 | 2, bytes.len() as u8];
        out.extend_from_slice(bytes);
        out
    }

    #[test]
    fn field_order_last_wins_and_unknown_fields() {
        // Field: s = "x", i = 5 (replaces s), is_tag after s, key, s = "err" (replaces i),
        // unknown field 99.
        let mut field = len_field(11, b"x");
        field.extend([0x10, 0x05, 0x40, 0x01]);
        field.extend(len_field(1, b"status"));
        field.extend(len_field(11, b"err"));
        field.extend([0x98, 0x06, 0x01]);
        let mut point = len_field(2, &field);
        point.extend([0x18, 0x2a]); // time = 42 after the fields
        point.extend(len_field(1, b"span"));
        point.extend([0xf8, 0x06, 0x00]); // unknown field 111
        let mut payload = len_field(1, &point);
        payload.extend([0x10, 0x07]); // unknown PBPoints field 2

        let points: Vec<_> = Points::new(&payload).collect::<Result<_, _>>().unwrap();
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].name(), b"span");
        assert_eq!(points[0].time(), 42);
        let fields: Vec<_> = points[0].fields().collect::<Result<_, _>>().unwrap();
        assert_eq!(
            fields,
            vec![FieldRef {
                key: b"status",
                value: Some(Value::Tag(b"err")),
                is_tag: true,
            }]
        );
        assert_eq!(count_points(&payload), Ok(1));
    }

    #[test]
    fn tag_with_a_non_string_value_keeps_its_type() {
        let mut field = len_field(1, b"n");
        field.extend([0x40, 0x01, 0x18, 0x07]);
        let payload = len_field(1, &len_field(2, &field));
        let point = Points::new(&payload).next().unwrap().unwrap();
        let f = point.fields().next().unwrap().unwrap();
        assert_eq!(f.value, Some(Value::Uint(7)));
        assert!(f.is_tag);
    }

    #[test]
    fn errors_carry_payload_offsets() {
        // The second point's field has a bad length.
        let good = len_field(1, &len_field(1, b"a"));
        let mut payload = good.clone();
        payload.extend(len_field(1, &len_field(2, &[0x0a, 0x09])));
        let mut points = Points::new(&payload);
        assert!(points.next().unwrap().is_ok());
        let second = points.next().unwrap().unwrap();
        let err = second.fields().next().unwrap().unwrap_err();
        assert_eq!(
            err.to_string(),
            "Field.key (field 1) at byte 11: length 9 exceeds the 0 bytes left"
        );
        assert_eq!(count_points(&payload), Err(err));

        // A malformed Warn fails the point itself.
        let payload = len_field(1, &len_field(4, &[0x08, 0x01]));
        let err = Points::new(&payload).next().unwrap().unwrap_err();
        assert_eq!(
            err.to_string(),
            "Warn.type (field 1) at byte 4: wire type 0 (varint), expected 2 (length-delimited)"
        );
    }
}
