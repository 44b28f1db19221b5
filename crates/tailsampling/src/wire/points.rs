//! The zero-copy, zero-allocation walker over `point.PBPoints` bytes (docs/protocol.md, "Wire
//! format"): [`Points`] yields [`PointRef`]s, whose [`fields`](PointRef::fields) yield
//! [`FieldRef`]s with typed [`Value`]s borrowed from the payload; [`count_points`] validates a
//! whole payload.
//!
//! Protobuf semantics apply: fields may come in any order (a point's `time` may follow its
//! fields, `is_tag` may follow `s`), the last occurrence of a field wins, a later member of the
//! `val` oneof replaces an earlier one, and unknown fields are skipped. Strings are not checked
//! for UTF-8 (see [`Value`]). Because PBPoints is `repeated PBPoint arr = 1`, the concatenation
//! of two payloads walks as one.

use super::error::WireError;
use super::pb::{check_framing, Quick, Reader, Schema, Wire, WireType};
use super::value::Value;

static PB_POINTS: Schema = Schema::new("PBPoints", &[("arr", WireType::Len)]);

static PB_POINT: Schema = Schema::new(
    "PBPoint",
    &[
        ("name", WireType::Len),
        ("fields", WireType::Len),
        ("time", WireType::Varint),
        ("warns", WireType::Len),
        ("debugs", WireType::Len),
    ],
);

static FIELD: Schema = Schema::new(
    "Field",
    &[
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
);

static WARN: Schema = Schema::new("Warn", &[("type", WireType::Len), ("msg", WireType::Len)]);

static DEBUG: Schema = Schema::new("Debug", &[("info", WireType::Len)]);

static ANY: Schema = Schema::new(
    "google.protobuf.Any",
    &[("type_url", WireType::Len), ("value", WireType::Len)],
);

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

impl<'a> Points<'a> {
    /// The next point, not yet scanned: for a walk that reads its fields anyway
    /// ([`RawPoint::quick_fields`]) and need not read the point twice.
    pub(crate) fn next_raw(&mut self) -> Option<Result<RawPoint<'a>, WireError>> {
        self.arr
            .next_message(1, |bytes, offset| Ok(RawPoint { bytes, offset }))
    }
}

/// A point's bytes as [`Points::next_raw`] yields them: [`scan`](Self::scan) gives the
/// [`PointRef`] that [`Points`] would have yielded.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawPoint<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> RawPoint<'a> {
    /// The point, or the error [`Points`] would have yielded.
    pub(crate) fn scan(self) -> Result<PointRef<'a>, WireError> {
        PointRef::scan(self.bytes, self.offset)
    }

    /// Checks the point's framing and calls `f` with each field in wire order, in one walk
    /// on the fast path ([`Quick`]), as [`PointRef::quick_scan`] and [`FieldRef::quick_scan`]
    /// would. Returns `None` as soon as the point or a field needs the checked path, possibly
    /// after some calls to `f`: the caller then discards what `f` saw, and
    /// [`scan`](Self::scan) and [`PointRef::fields`] give the same fields or the error.
    #[inline]
    pub(crate) fn quick_fields(self, mut f: impl FnMut(FieldRef<'a>)) -> Option<()> {
        let mut q = Quick::new(self.bytes);
        while !q.rest.is_empty() {
            match q.tag(&PB_POINT)? {
                (2, _) => f(FieldRef::quick_scan(q.bytes()?)?),
                // `warns` and `debugs` have their framing checked: the checked path does it.
                (4 | 5, _) => return None,
                (_, wire_type) => q.skip(wire_type)?,
            }
        }
        Some(())
    }

    /// Whether the point and every field of it are well-formed.
    pub(crate) fn is_valid(self) -> bool {
        self.quick_fields(|_| ()).is_some()
            || self
                .scan()
                .is_ok_and(|point| point.fields().all(|f| f.is_ok()))
    }
}

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
        match Self::quick_scan(bytes, offset) {
            Some(point) => Ok(point),
            None => Self::checked_scan(bytes, offset),
        }
    }

    /// [`scan`](Self::scan) on the fast path ([`Quick`]); `None` sends the point to
    /// [`checked_scan`](Self::checked_scan), as does any `warns` or `debugs` to check.
    #[inline]
    fn quick_scan(bytes: &'a [u8], offset: usize) -> Option<Self> {
        let mut point = PointRef {
            name: &[],
            time: 0,
            bytes,
            offset,
        };
        let mut q = Quick::new(bytes);
        while !q.rest.is_empty() {
            match q.tag(&PB_POINT)? {
                (1, _) => point.name = q.bytes()?,
                (3, _) => point.time = q.varint()? as i64,
                (4 | 5, _) => return None,
                (_, wire_type) => q.skip(wire_type)?,
            }
        }
        Some(point)
    }

    fn checked_scan(bytes: &'a [u8], offset: usize) -> Result<Self, WireError> {
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
    /// A tag with a string value carries it as [`Value::Tag`].
    fn tagged(mut self) -> Self {
        if let (true, Some(Value::Str(s))) = (self.is_tag, self.value) {
            self.value = Some(Value::Tag(s));
        }
        self
    }

    fn scan(bytes: &'a [u8], offset: usize) -> Result<Self, WireError> {
        match Self::quick_scan(bytes) {
            Some(field) => Ok(field),
            None => Self::checked_scan(bytes, offset),
        }
    }

    /// [`scan`](Self::scan) on the fast path ([`Quick`]); `None` sends the field to
    /// [`checked_scan`](Self::checked_scan), as does an `Any` value (whose framing is checked).
    /// Always inlined: it runs once per field of every point decided.
    #[inline(always)]
    fn quick_scan(bytes: &'a [u8]) -> Option<Self> {
        let mut field = FieldRef {
            key: &[],
            value: None,
            is_tag: false,
        };
        let mut q = Quick::new(bytes);
        while !q.rest.is_empty() {
            let value = match q.tag(&FIELD)? {
                (1, _) => {
                    field.key = q.bytes()?;
                    continue;
                }
                (8, _) => {
                    field.is_tag = q.varint()? != 0;
                    continue;
                }
                (2, _) => Value::Int(q.varint()? as i64),
                (3, _) => Value::Uint(q.varint()?),
                (4, _) => Value::Float(f64::from_bits(q.fixed64()?)),
                (5, _) => Value::Bool(q.varint()? != 0),
                (6, _) => Value::Bytes(q.bytes()?),
                (7, _) => return None,
                (11, _) => Value::Str(q.bytes()?),
                (_, wire_type) => {
                    q.skip(wire_type)?;
                    continue;
                }
            };
            field.value = Some(value);
        }
        Some(field.tagged())
    }

    fn checked_scan(bytes: &'a [u8], offset: usize) -> Result<Self, WireError> {
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
        Ok(field.tagged())
    }
}

/// Walks a whole PBPoints payload, every point and every field, and returns the number of
/// points, or the first error. Each point is read once on the fast path
/// ([`RawPoint::quick_fields`]); one it does not take is walked again by the checked path.
pub fn count_points(payload: &[u8]) -> Result<usize, WireError> {
    let mut count = 0;
    let mut walk = Points::new(payload);
    while let Some(point) = walk.next_raw() {
        let point = point?;
        if point.quick_fields(|_| ()).is_none() {
            for field in point.scan()?.fields() {
                field?;
            }
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

    proptest::proptest! {
        /// The fast path accepts only what the checked path accepts, with the same result:
        /// every byte string, and mutations of a valid field and point.
        #[test]
        fn quick_scans_agree_with_checked_scans(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..48),
            flips in proptest::collection::vec((0usize..64, proptest::prelude::any::<u8>()), 0..4),
        ) {
            let mut field = len_field(1, b"status");
            field.extend(len_field(11, b"error"));
            field.extend([0x40, 0x01, 0x10, 0x96, 0x01, 0x21, 1, 2, 3, 4, 5, 6, 7, 8]);
            let mut point = len_field(1, b"span");
            point.extend(len_field(2, &field));
            point.extend([0x18, 0xff, 0xff, 0x03]);
            for mut input in [bytes.clone(), field, point] {
                let len = input.len().max(1);
                for &(at, byte) in &flips {
                    if let Some(b) = input.get_mut(at % len) {
                        *b = byte;
                    }
                }
                if let Some(quick) = FieldRef::quick_scan(&input) {
                    proptest::prop_assert_eq!(Ok(quick), FieldRef::checked_scan(&input, 0));
                }
                if let Some(quick) = PointRef::quick_scan(&input, 0) {
                    proptest::prop_assert_eq!(Ok(quick), PointRef::checked_scan(&input, 0));
                }
                // The fused walk of a point and its fields sees what the two scans see.
                let raw = RawPoint { bytes: &input, offset: 0 };
                let mut quick_fields = Vec::new();
                if raw.quick_fields(|f| quick_fields.push(f)).is_some() {
                    let point = PointRef::checked_scan(&input, 0);
                    proptest::prop_assert!(point.is_ok());
                    let fields: Result<Vec<_>, _> = point.unwrap().fields().collect();
                    proptest::prop_assert_eq!(Ok(quick_fields), fields);
                    proptest::prop_assert!(raw.is_valid());
                }
            }
        }
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
