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
use super::pb::{self, Cursor, Framing, Repeated, Schema, Source, Walk, WireType};
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
    arr: Repeated<'a>,
}

impl<'a> Points<'a> {
    /// A walker over `payload`, the (decompressed) PBPoints bytes.
    pub fn new(payload: &'a [u8]) -> Self {
        Points {
            arr: Repeated::new(Cursor::new(payload, 0), &PB_POINTS),
        }
    }

    /// The next point, not yet read: for a walk that reads its fields anyway
    /// ([`RawPoint::walk_fields`]) and need not read the point twice.
    pub(crate) fn next_raw(&mut self) -> Option<Result<RawPoint<'a>, WireError>> {
        self.arr.next(1, &PB_POINT, &mut RawWalk)
    }
}

impl<'a> Iterator for Points<'a> {
    type Item = Result<PointRef<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.arr
            .next(1, &PB_POINT, &mut PointWalk { sink: SkipFields })
    }
}

impl std::iter::FusedIterator for Points<'_> {}

/// A point's bytes as [`Points::next_raw`] yields them, not yet read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawPoint<'a> {
    cur: Cursor<'a>,
}

/// Takes a point's bytes without reading them (for [`Points::next_raw`]).
struct RawWalk;

impl<'a> Walk<'a> for RawWalk {
    type Output = RawPoint<'a>;

    #[inline(always)]
    fn walk<S: Source<'a>>(&mut self, src: &mut S) -> Result<RawPoint<'a>, S::Error> {
        Ok(RawPoint { cur: src.cursor() })
    }
}

impl<'a> RawPoint<'a> {
    /// Reads the point and passes each of its fields, in wire order, to `sink`: in one walk on
    /// the fast path. When the checked path reads it again, `sink` is started again, and the
    /// error is the one [`Points`] then [`PointRef::fields`] would have yielded.
    #[inline]
    pub(crate) fn walk_fields(self, sink: &mut impl FieldSink<'a>) -> Result<(), WireError> {
        let mut cur = self.cur;
        pb::decode(&mut cur, &PB_POINT, &mut PointWalk { sink }).map(drop)
    }

    /// Whether the point and every field of it are well-formed.
    pub(crate) fn is_valid(self) -> bool {
        self.walk_fields(&mut ()).is_ok()
    }
}

/// What receives the fields of a point as [`RawPoint::walk_fields`] reads them.
pub(crate) trait FieldSink<'a> {
    /// Whether the fields are read at all (`false`: only their framing is checked).
    const READS: bool = true;

    /// A walk of the point starts (again): forget the fields received so far.
    fn start(&mut self) {}

    /// The next field.
    fn field(&mut self, field: FieldRef<'a>);
}

/// Reads every field and keeps none: validation.
impl<'a> FieldSink<'a> for () {
    fn field(&mut self, _: FieldRef<'a>) {}
}

impl<'a, K: FieldSink<'a>> FieldSink<'a> for &mut K {
    const READS: bool = K::READS;

    #[inline(always)]
    fn start(&mut self) {
        (**self).start();
    }

    #[inline(always)]
    fn field(&mut self, field: FieldRef<'a>) {
        (**self).field(field);
    }
}

/// Reads no field: the point alone, as [`Points`] yields it.
struct SkipFields;

impl<'a> FieldSink<'a> for SkipFields {
    const READS: bool = false;

    fn field(&mut self, _: FieldRef<'a>) {}
}

/// The decoding of one `PBPoint`: its name and time, the framing of its `warns` and `debugs`,
/// and its fields, read into `sink`.
struct PointWalk<K> {
    sink: K,
}

impl<'a, K: FieldSink<'a>> Walk<'a> for PointWalk<K> {
    type Output = PointRef<'a>;

    #[inline(always)]
    fn walk<S: Source<'a>>(&mut self, src: &mut S) -> Result<PointRef<'a>, S::Error> {
        self.sink.start();
        if S::CHECKED && K::READS {
            // The point's own errors come before its fields' (as `Points`, then `fields`).
            PointWalk { sink: SkipFields }.walk(&mut src.clone())?;
        }
        let mut point = PointRef {
            name: &[],
            time: 0,
            cur: src.cursor(),
        };
        while let Some(tag) = src.field()? {
            match tag.number {
                1 => point.name = src.bytes()?,
                2 if K::READS => {
                    let field = src.message(&FIELD, &mut FieldWalk)?;
                    self.sink.field(field);
                }
                // Not read: passed over as the bytes it is, without dispatching on the wire type.
                2 => {
                    src.bytes()?;
                }
                3 => point.time = src.varint()? as i64,
                4 => {
                    src.message(&WARN, &mut Framing)?;
                }
                5 => {
                    src.message(&DEBUG, &mut Framing)?;
                }
                _ => src.skip(tag)?,
            }
        }
        Ok(point)
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
    cur: Cursor<'a>,
}

impl<'a> PointRef<'a> {
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
            point: Repeated::new(self.cur, &PB_POINT),
        }
    }
}

/// Iterates the fields of a [`PointRef`].
#[derive(Clone, Debug)]
pub struct Fields<'a> {
    point: Repeated<'a>,
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<FieldRef<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.point.next(2, &FIELD, &mut FieldWalk)
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

/// The decoding of one `Field`. Always inlined: it runs once per field of every point decided.
struct FieldWalk;

impl<'a> Walk<'a> for FieldWalk {
    type Output = FieldRef<'a>;

    #[inline(always)]
    fn walk<S: Source<'a>>(&mut self, src: &mut S) -> Result<FieldRef<'a>, S::Error> {
        let mut field = FieldRef {
            key: &[],
            value: None,
            is_tag: false,
        };
        while let Some(tag) = src.field()? {
            let value = match tag.number {
                1 => {
                    field.key = src.bytes()?;
                    continue;
                }
                8 => {
                    field.is_tag = src.varint()? != 0;
                    continue;
                }
                2 => Value::Int(src.varint()? as i64),
                3 => Value::Uint(src.varint()?),
                4 => Value::Float(f64::from_bits(src.fixed64()?)),
                5 => Value::Bool(src.varint()? != 0),
                6 => Value::Bytes(src.bytes()?),
                // Protobuf would merge repeated occurrences of this message; the last wins here.
                7 => Value::Any(src.message(&ANY, &mut Framing)?),
                11 => Value::Str(src.bytes()?),
                _ => {
                    src.skip(tag)?;
                    continue;
                }
            };
            field.value = Some(value);
        }
        // A tag with a string value carries it as `Value::Tag`.
        if let (true, Some(Value::Str(s))) = (field.is_tag, field.value) {
            field.value = Some(Value::Tag(s));
        }
        Ok(field)
    }
}

/// Walks a whole PBPoints payload, every point and every field, and returns the number of
/// points, or the first error (the one [`Points`] and [`PointRef::fields`] would yield). Each
/// point is read once on the fast path; one it does not take is read again by the checked
/// path.
pub fn count_points(payload: &[u8]) -> Result<usize, WireError> {
    let mut count = 0;
    let mut walk = Points::new(payload);
    while let Some(point) = walk.next_raw() {
        point?.walk_fields(&mut ())?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::pb::Quick;

    /// Collects the fields (the fused walk in tests).
    impl<'a> FieldSink<'a> for Vec<FieldRef<'a>> {
        fn start(&mut self) {
            self.clear();
        }

        fn field(&mut self, field: FieldRef<'a>) {
            self.push(field);
        }
    }

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
                let cur = Cursor::new(&input, 0);
                if let Ok(quick) = FieldWalk.walk(&mut Quick::new(cur, &FIELD)) {
                    let checked = pb::checked(&mut { cur }, &FIELD, &mut FieldWalk);
                    proptest::prop_assert_eq!(Ok(quick), checked);
                }
                let mut scan = PointWalk { sink: SkipFields };
                if let Ok(quick) = scan.walk(&mut Quick::new(cur, &PB_POINT)) {
                    let checked = pb::checked(&mut { cur }, &PB_POINT, &mut scan);
                    proptest::prop_assert_eq!(Ok(quick), checked);
                }
                // The fused walk of a point and its fields sees what the two scans see.
                let mut quick_fields = Vec::new();
                let mut fused = PointWalk { sink: &mut quick_fields };
                if fused.walk(&mut Quick::new(cur, &PB_POINT)).is_ok() {
                    let point = pb::checked(&mut { cur }, &PB_POINT, &mut scan);
                    proptest::prop_assert!(point.is_ok());
                    let fields: Result<Vec<_>, _> = point.unwrap().fields().collect();
                    proptest::prop_assert_eq!(Ok(quick_fields), fields);
                    let raw = RawPoint { cur };
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
