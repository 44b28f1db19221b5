//! A minimal protobuf reader under every wire message: varints, tags, wire types 0/1/2/5 and
//! length-delimited bounds checks, over borrowed bytes. It never panics and never allocates.
//! Groups (wire types 3/4) are refused.
//!
//! Each message is decoded by one [`Walk`], written once against [`Source`]: the walk asks for
//! the next field's tag and reads the value it expects. Two sources read the same bytes by
//! the same rules ([`Cursor`], which holds the one varint decoder and the one tag check):
//! [`Quick`], the fast path, which keeps no error detail, and [`Checked`], whose errors name
//! the message, the field and the absolute byte offset. [`decode_then`] (and [`decode`], which
//! wraps it) is the one place that runs a walk on [`Quick`] and, only when that fails, again
//! on [`Checked`] from the same position, which either accepts the bytes too or reports the
//! precise error.

use super::error::{Problem, Site, WireError};

/// The wire types the schema's fields are declared with (protobuf's 0, 1 and 2). Wire type 5
/// (fixed 32-bit) is valid on the wire, but no field of this schema has it: it is only skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WireType {
    Varint = 0,
    I64 = 1,
    Len = 2,
}

/// The shape of one message: its name and, at index `n - 1`, the name and wire type of field `n`.
pub(crate) struct Schema {
    pub(crate) message: &'static str,
    pub(crate) fields: &'static [(&'static str, WireType)],
    /// `quick_keys[key]`: the one-byte field key `key` passes every tag check (the fast path of
    /// [`Cursor::tag`]).
    quick_keys: [bool; 128],
}

impl Schema {
    /// The schema of `message` with `fields` (field `n` at index `n - 1`).
    pub(crate) const fn new(
        message: &'static str,
        fields: &'static [(&'static str, WireType)],
    ) -> Self {
        let mut quick_keys = [false; 128];
        let mut key = 0;
        while key < 128 {
            quick_keys[key] = Self::tag_ok(fields, key >> 3, key & 7);
            key += 1;
        }
        Schema {
            message,
            fields,
            quick_keys,
        }
    }

    /// Whether a tag of field `number` with `wire_type` passes every tag check: a field
    /// number, a wire type other than a group's, and the schema's wire type for a known field.
    const fn tag_ok(fields: &[(&'static str, WireType)], number: usize, wire_type: usize) -> bool {
        number != 0
            && matches!(wire_type, 0 | 1 | 2 | 5)
            && (number > fields.len() || fields[number - 1].1 as usize == wire_type)
    }

    fn field(&self, number: u32) -> Option<(&'static str, WireType)> {
        let index = usize::try_from(number).ok()?.checked_sub(1)?;
        self.fields.get(index).copied()
    }

    fn site(&self, number: Option<u32>) -> Site {
        Site {
            message: self.message,
            field: number,
            name: number.and_then(|n| self.field(n)).map(|(name, _)| name),
        }
    }
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message)
    }
}

/// Decodes the varint at the start of `bytes`: its value and its length in bytes, or length 0
/// when `bytes` do not start with a valid varint ([`varint_problem`] says why). The one varint
/// decoder of the wire format. (A pair, not a `Result`: it comes back in two registers.)
#[inline(always)]
fn varint(bytes: &[u8]) -> (u64, usize) {
    // Tags and short lengths are one byte: the common case.
    match bytes.first() {
        Some(&byte) if byte < 0x80 => (u64::from(byte), 1),
        _ => long_varint(bytes),
    }
}

fn long_varint(bytes: &[u8]) -> (u64, usize) {
    let mut value = 0u64;
    for (i, &byte) in bytes.iter().take(10).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            if i == 9 && byte > 1 {
                break;
            }
            return (value, i + 1);
        }
    }
    (0, 0)
}

/// Why [`varint`] refused `bytes`.
#[cold]
fn varint_problem(bytes: &[u8]) -> Problem {
    if bytes.iter().take(10).any(|&byte| byte < 0x80) {
        // Only a tenth byte over 1 ends a varint that is refused.
        Problem::VarintOverflow
    } else if bytes.len() >= 10 {
        Problem::VarintTooLong
    } else {
        Problem::VarintTruncated
    }
}

/// The tag at the start of `bytes`, when [`Cursor::tag`]'s inline cases (a valid one- or
/// two-byte key) do not take it: `(field number, wire type, length of the key)`, checked
/// against `schema`, or what is wrong with it.
fn long_tag(bytes: &[u8], schema: &Schema) -> Result<(u32, u8, usize), (Option<u32>, Problem)> {
    let (key, len) = varint(bytes);
    if len == 0 {
        return Err((None, varint_problem(bytes)));
    }
    let number = u32::try_from(key)
        .ok()
        .map(|key| key >> 3)
        .filter(|&number| number != 0)
        .ok_or((None, Problem::InvalidKey(key)))?;
    let wire_type = (key & 7) as u8;
    match wire_type {
        0 | 1 | 2 | 5 => {}
        3 | 4 => return Err((None, Problem::Group(wire_type))),
        _ => return Err((None, Problem::InvalidWireType(wire_type))),
    }
    if let Some((_, expected)) = schema.field(number) {
        if expected as u8 != wire_type {
            let problem = Problem::WrongWireType {
                found: wire_type,
                expected: expected as u8,
            };
            return Err((Some(number), problem));
        }
    }
    Ok((number, wire_type, len))
}

/// A position in one encoded message: the bytes left and where they are in the buffer being
/// decoded. Its reads fail without moving, except that a length-delimited value too long for
/// the message leaves the cursor after its length prefix (where the error is reported).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cursor<'a> {
    rest: &'a [u8],
    /// Absolute offset of the end of `rest` (the end of the message).
    end: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor over `bytes`, which start at absolute offset `offset`.
    pub(crate) fn new(bytes: &'a [u8], offset: usize) -> Self {
        Cursor {
            rest: bytes,
            end: offset + bytes.len(),
        }
    }

    /// Absolute offset of the next byte.
    pub(crate) fn offset(&self) -> usize {
        self.end - self.rest.len()
    }

    /// A cursor over `bytes`, a length-delimited value this cursor has just read (so it ends
    /// where this cursor now is).
    #[inline(always)]
    fn inner(&self, bytes: &'a [u8]) -> Cursor<'a> {
        Cursor {
            rest: bytes,
            end: self.offset(),
        }
    }

    /// Moves to the end of the message.
    fn stop(&mut self) {
        self.rest = &[];
    }

    fn advance(&mut self, n: usize) {
        self.rest = self.rest.get(n..).unwrap_or_default();
    }

    /// The next tag, checked against `schema`, or `None` at the end of the message; the error
    /// says which field it names, if the key is a valid one.
    #[inline(always)]
    fn tag(&mut self, schema: &Schema) -> Result<Option<Tag>, (Option<u32>, Problem)> {
        let Some((&key, tail)) = self.rest.split_first() else {
            return Ok(None);
        };
        if schema.quick_keys.get(usize::from(key)) == Some(&true) {
            self.rest = tail;
            return Ok(Some(Tag {
                number: u32::from(key >> 3),
                wire_type: key & 7,
            }));
        }
        // Two-byte keys (field numbers 16 to 2047, as DataPacket's hints) under the same checks.
        if let [b0 @ 0x80..=0xff, b1 @ 0..=0x7f, ref tail @ ..] = *self.rest {
            let key = u32::from(b0 & 0x7f) | u32::from(b1) << 7;
            let (number, wire_type) = (key >> 3, (key & 7) as u8);
            if Schema::tag_ok(schema.fields, number as usize, usize::from(wire_type)) {
                self.rest = tail;
                return Ok(Some(Tag { number, wire_type }));
            }
        }
        // By value, not `&mut self`: the cursor stays in registers in the loops that inline
        // `tag`.
        let (number, wire_type, len) = long_tag(self.rest, schema)?;
        self.advance(len);
        Ok(Some(Tag { number, wire_type }))
    }

    #[inline(always)]
    fn varint(&mut self) -> Result<u64, Problem> {
        // [`varint`]'s one-byte case, spelled so the tail needs no second bounds check.
        if let Some((&byte, tail)) = self.rest.split_first() {
            if byte < 0x80 {
                self.rest = tail;
                return Ok(u64::from(byte));
            }
        }
        let (value, len) = long_varint(self.rest);
        if len == 0 {
            return Err(varint_problem(self.rest));
        }
        self.advance(len);
        Ok(value)
    }

    #[inline(always)]
    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], Problem> {
        let (bytes, tail) = self
            .rest
            .split_first_chunk::<N>()
            .ok_or(Problem::FixedTruncated {
                width: N,
                left: self.rest.len(),
            })?;
        self.rest = tail;
        Ok(*bytes)
    }

    /// A length prefix and the bytes it covers.
    #[inline(always)]
    fn bytes(&mut self) -> Result<&'a [u8], Problem> {
        let len = self.varint()?;
        match usize::try_from(len) {
            Ok(n) if n <= self.rest.len() => {
                let (bytes, tail) = self.rest.split_at(n);
                self.rest = tail;
                Ok(bytes)
            }
            _ => Err(Problem::LengthOverrun {
                len,
                left: self.rest.len(),
            }),
        }
    }

    /// Skips a value of `wire_type` (one [`tag`](Self::tag) accepted).
    #[inline(always)]
    fn skip(&mut self, wire_type: u8) -> Result<(), Problem> {
        match wire_type {
            0 => self.varint().map(drop),
            1 => self.fixed::<8>().map(drop),
            2 => self.bytes().map(drop),
            _ => self.fixed::<4>().map(drop),
        }
    }
}

/// What a [`Walk`] reads a message from: the fields in wire order, each value read as the walk
/// expects it (a known field is guaranteed to carry its schema's wire type, so the read that
/// matches its declared type is the right one). Implemented by [`Quick`] and [`Checked`].
pub(crate) trait Source<'a>: Clone {
    /// What a failed read returns.
    type Error;
    /// Whether this source's errors carry detail (the checked path), which a walk that
    /// reports errors in a set order needs to know.
    const CHECKED: bool;

    /// The position of the next field.
    fn cursor(&self) -> Cursor<'a>;
    /// The next field's tag (checked), or `None` at the end of the message.
    fn field(&mut self) -> Result<Option<Tag>, Self::Error>;
    /// The current field's value, a varint.
    fn varint(&mut self) -> Result<u64, Self::Error>;
    /// The current field's value, a fixed 64-bit little-endian number.
    fn fixed64(&mut self) -> Result<u64, Self::Error>;
    /// The current field's value, length-delimited bytes.
    fn bytes(&mut self) -> Result<&'a [u8], Self::Error>;
    /// The current field's value, a UTF-8 string.
    fn str(&mut self) -> Result<&'a str, Self::Error>;
    /// Skips the value of the current field, whose tag is `tag`.
    fn skip(&mut self, tag: Tag) -> Result<(), Self::Error>;
    /// The current field's value, a message of `schema`, read by `walk` on a source of the
    /// same kind (offsets stay absolute).
    fn message<W: Walk<'a>>(
        &mut self,
        schema: &'static Schema,
        walk: &mut W,
    ) -> Result<W::Output, Self::Error>;
}

/// A field's tag, as [`Source::field`] read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tag {
    /// The field number.
    pub(crate) number: u32,
    wire_type: u8,
}

/// The decoding of one message (or of a step through one): written once, run on either
/// [`Source`].
pub(crate) trait Walk<'a> {
    /// What the walk yields.
    type Output;
    /// Reads from `src`. May run twice on the same bytes (see [`decode`]).
    fn walk<S: Source<'a>>(&mut self, src: &mut S) -> Result<Self::Output, S::Error>;
}

/// Decodes with `walk` the message of `schema` at `cursor`: on the fast path ([`Quick`]) and,
/// only if that fails, on the checked path ([`Checked`]) from the same position, which accepts
/// the bytes too or names the field and byte offset of the error. On success `cursor` moves to
/// where the walk stopped. The one "try quick, else checked" of the wire format.
#[inline(always)]
pub(crate) fn decode<'a, W: Walk<'a>>(
    cursor: &mut Cursor<'a>,
    schema: &'static Schema,
    walk: &mut W,
) -> Result<W::Output, WireError> {
    decode_then(cursor, schema, walk, |_, decoded| decoded)
}

/// [`decode`], whose result `then` turns into the caller's, in each path apart: the fast
/// path's value goes straight into the caller's shape rather than through a result shared
/// with the checked path (a copy that costs a store-forwarding stall per decode).
#[inline(always)]
pub(crate) fn decode_then<'a, W: Walk<'a>, R>(
    cursor: &mut Cursor<'a>,
    schema: &'static Schema,
    walk: &mut W,
    then: impl FnOnce(&mut Cursor<'a>, Result<W::Output, WireError>) -> R,
) -> R {
    let mut src = Quick::new(*cursor, schema);
    match walk.walk(&mut src) {
        Ok(out) => {
            *cursor = src.cur;
            then(cursor, Ok(out))
        }
        Err(Fallback) => {
            let checked = checked(cursor, schema, walk);
            then(cursor, checked)
        }
    }
}

/// The checked half of [`decode`].
#[inline(never)]
pub(crate) fn checked<'a, W: Walk<'a>>(
    cursor: &mut Cursor<'a>,
    schema: &'static Schema,
    walk: &mut W,
) -> Result<W::Output, WireError> {
    let mut src = Checked::new(*cursor, schema);
    let out = walk.walk(&mut src)?;
    *cursor = src.cur;
    Ok(out)
}

/// The error of [`Quick`]: the bytes need the checked path, which reads them again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fallback;

/// The fast [`Source`]: no error detail and no bookkeeping for it.
#[derive(Clone, Debug)]
pub(crate) struct Quick<'a> {
    cur: Cursor<'a>,
    schema: &'static Schema,
}

impl<'a> Quick<'a> {
    /// A fast source over the message of `schema` at `cur`.
    #[inline(always)]
    pub(crate) fn new(cur: Cursor<'a>, schema: &'static Schema) -> Self {
        Quick { cur, schema }
    }
}

impl<'a> Source<'a> for Quick<'a> {
    type Error = Fallback;
    const CHECKED: bool = false;

    #[inline(always)]
    fn cursor(&self) -> Cursor<'a> {
        self.cur
    }

    #[inline(always)]
    fn field(&mut self) -> Result<Option<Tag>, Fallback> {
        self.cur.tag(self.schema).map_err(|_| Fallback)
    }

    #[inline(always)]
    fn varint(&mut self) -> Result<u64, Fallback> {
        self.cur.varint().map_err(|_| Fallback)
    }

    #[inline(always)]
    fn fixed64(&mut self) -> Result<u64, Fallback> {
        self.cur
            .fixed()
            .map(u64::from_le_bytes)
            .map_err(|_| Fallback)
    }

    #[inline(always)]
    fn bytes(&mut self) -> Result<&'a [u8], Fallback> {
        self.cur.bytes().map_err(|_| Fallback)
    }

    #[inline(always)]
    fn str(&mut self) -> Result<&'a str, Fallback> {
        std::str::from_utf8(self.bytes()?).map_err(|_| Fallback)
    }

    #[inline(always)]
    fn skip(&mut self, tag: Tag) -> Result<(), Fallback> {
        self.cur.skip(tag.wire_type).map_err(|_| Fallback)
    }

    #[inline(always)]
    fn message<W: Walk<'a>>(
        &mut self,
        schema: &'static Schema,
        walk: &mut W,
    ) -> Result<W::Output, Fallback> {
        let bytes = self.bytes()?;
        let cur = self.cur.inner(bytes);
        walk.walk(&mut Quick::new(cur, schema))
    }
}

/// The checked [`Source`]: every error is a [`WireError`] naming the message, the field and
/// the absolute byte offset.
#[derive(Clone, Debug)]
pub(crate) struct Checked<'a> {
    cur: Cursor<'a>,
    schema: &'static Schema,
    /// The number of the current field.
    number: u32,
}

impl<'a> Checked<'a> {
    /// A checked source over the message of `schema` at `cur`.
    pub(crate) fn new(cur: Cursor<'a>, schema: &'static Schema) -> Self {
        Checked {
            cur,
            schema,
            number: 0,
        }
    }

    /// `problem` in the current field's value at absolute `offset`.
    fn error(&self, offset: usize, problem: Problem) -> WireError {
        WireError::Decode {
            site: self.schema.site(Some(self.number)),
            offset,
            problem,
        }
    }

    /// `problem` where the cursor stopped, in the current field's value.
    fn here(&self, problem: Problem) -> WireError {
        self.error(self.cur.offset(), problem)
    }
}

impl<'a> Source<'a> for Checked<'a> {
    type Error = WireError;
    const CHECKED: bool = true;

    fn cursor(&self) -> Cursor<'a> {
        self.cur
    }

    fn field(&mut self) -> Result<Option<Tag>, WireError> {
        let at = self.cur.offset();
        let tag = self
            .cur
            .tag(self.schema)
            .map_err(|(number, problem)| WireError::Decode {
                site: self.schema.site(number),
                offset: at,
                problem,
            })?;
        if let Some(tag) = tag {
            self.number = tag.number;
        }
        Ok(tag)
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        self.cur.varint().map_err(|p| self.here(p))
    }

    fn fixed64(&mut self) -> Result<u64, WireError> {
        self.cur
            .fixed()
            .map(u64::from_le_bytes)
            .map_err(|p| self.here(p))
    }

    fn bytes(&mut self) -> Result<&'a [u8], WireError> {
        self.cur.bytes().map_err(|p| self.here(p))
    }

    fn str(&mut self) -> Result<&'a str, WireError> {
        let bytes = self.bytes()?;
        std::str::from_utf8(bytes).map_err(|e| {
            let at = self.cur.offset() - bytes.len() + e.valid_up_to();
            self.error(at, Problem::Utf8)
        })
    }

    fn skip(&mut self, tag: Tag) -> Result<(), WireError> {
        self.cur.skip(tag.wire_type).map_err(|p| self.here(p))
    }

    fn message<W: Walk<'a>>(
        &mut self,
        schema: &'static Schema,
        walk: &mut W,
    ) -> Result<W::Output, WireError> {
        let bytes = self.bytes()?;
        let cur = self.cur.inner(bytes);
        walk.walk(&mut Checked::new(cur, schema))
    }
}

/// Checks the framing of a message (tags, lengths, wire types of known fields) without
/// interpreting it; yields its bytes.
pub(crate) struct Framing;

impl<'a> Walk<'a> for Framing {
    type Output = &'a [u8];

    /// Out of line: the messages it checks (`warns`, `debugs`, `Any` values) are rare, and
    /// inlined it would weigh on the hot loops that contain it.
    #[inline(never)]
    fn walk<S: Source<'a>>(&mut self, src: &mut S) -> Result<&'a [u8], S::Error> {
        let bytes = src.cursor().rest;
        while let Some(tag) = src.field()? {
            src.skip(tag)?;
        }
        Ok(bytes)
    }
}

/// One step through a message: the next occurrence of field `number`, a message of `schema`
/// read by `inner`; the fields before it are skipped. `None` at the end of the message.
struct Next<'w, W> {
    number: u32,
    schema: &'static Schema,
    inner: &'w mut W,
}

impl<'a, W: Walk<'a>> Walk<'a> for Next<'_, W> {
    type Output = Option<W::Output>;

    #[inline(always)]
    fn walk<S: Source<'a>>(&mut self, src: &mut S) -> Result<Self::Output, S::Error> {
        while let Some(tag) = src.field()? {
            if tag.number == self.number {
                return src.message(self.schema, self.inner).map(Some);
            }
            src.skip(tag)?;
        }
        Ok(None)
    }
}

/// The occurrences of a repeated message field, decoded one at a time (by [`decode`]) as an
/// iterator asks for them. Ends after the first error.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Repeated<'a> {
    cur: Cursor<'a>,
    schema: &'static Schema,
}

impl<'a> Repeated<'a> {
    /// The message of `schema` at `cur`.
    pub(crate) fn new(cur: Cursor<'a>, schema: &'static Schema) -> Self {
        Repeated { cur, schema }
    }

    /// The next occurrence of field `number`, a message of `of` read by `inner`.
    #[inline(always)]
    pub(crate) fn next<W: Walk<'a>>(
        &mut self,
        number: u32,
        of: &'static Schema,
        inner: &mut W,
    ) -> Option<Result<W::Output, WireError>> {
        let mut next = Next {
            number,
            schema: of,
            inner,
        };
        decode_then(
            &mut self.cur,
            self.schema,
            &mut next,
            |cur, found| match found {
                Ok(found) => found.map(Ok),
                Err(e) => {
                    cur.stop();
                    Some(Err(e))
                }
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static TEST: Schema = Schema::new(
        "Test",
        &[
            ("n", WireType::Varint),
            ("s", WireType::Len),
            ("d", WireType::I64),
        ],
    );

    /// Every field of `bytes` as `(number, "Type(value)@offset")`, or the first error.
    fn read_at(bytes: &[u8], offset: usize) -> Result<Vec<(u32, String)>, WireError> {
        let mut src = Checked::new(Cursor::new(bytes, offset), &TEST);
        let mut out = Vec::new();
        while let Some(tag) = src.field()? {
            let at = src.cursor().offset();
            let value = match tag.wire_type {
                0 => format!("Varint({})@{at}", src.varint()?),
                1 => format!("I64({})@{at}", src.fixed64()?),
                2 => {
                    let b = src.bytes()?;
                    format!("Len({b:?})@{}", src.cursor().offset() - b.len())
                }
                _ => {
                    src.skip(tag)?;
                    format!("I32@{at}")
                }
            };
            out.push((tag.number, value));
        }
        Ok(out)
    }

    fn read(bytes: &[u8]) -> Result<Vec<(u32, String)>, String> {
        read_at(bytes, 0).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_all_wire_types_and_unknown_fields() {
        let bytes = [
            0x08, 0x96, 0x01, // 1: varint 150
            0x12, 0x02, b'h', b'i', // 2: "hi"
            0x19, 1, 0, 0, 0, 0, 0, 0, 0, // 3: fixed64 1
            0x25, 2, 0, 0, 0, // 4: fixed32 2
            0xa0, 0x06, 0x07, // 100: unknown varint 7
        ];
        assert_eq!(
            read(&bytes).unwrap(),
            vec![
                (1, "Varint(150)@1".to_string()),
                (2, "Len([104, 105])@5".to_string()),
                (3, "I64(1)@8".to_string()),
                (4, "I32@17".to_string()),
                (100, "Varint(7)@23".to_string()),
            ]
        );
    }

    #[test]
    fn varint_limits() {
        // u64::MAX: nine 0xff then 0x01.
        let mut max = vec![0x08];
        max.extend([0xff; 9]);
        max.push(0x01);
        assert_eq!(read(&max).unwrap()[0].1, format!("Varint({})@1", u64::MAX));

        let mut overflow = max.clone();
        overflow[10] = 0x02;
        assert_eq!(
            read(&overflow).unwrap_err(),
            "Test.n (field 1) at byte 1: varint overflows 64 bits"
        );

        let mut too_long = vec![0x08];
        too_long.extend([0x80; 10]);
        too_long.push(0);
        assert_eq!(
            read(&too_long).unwrap_err(),
            "Test.n (field 1) at byte 1: varint is longer than 10 bytes"
        );

        assert_eq!(
            read(&[0x08, 0x80]).unwrap_err(),
            "Test.n (field 1) at byte 1: varint runs past the end of the input"
        );
        assert_eq!(
            read(&[0x80]).unwrap_err(),
            "Test at byte 0: varint runs past the end of the input"
        );
    }

    #[test]
    fn tag_errors() {
        assert_eq!(
            read(&[0x00]).unwrap_err(),
            "Test at byte 0: invalid field key 0"
        );
        assert_eq!(
            read(&[0x08, 0x01, 0x0b]).unwrap_err(),
            "Test at byte 2: wire type 3 (group) is not supported"
        );
        assert_eq!(
            read(&[0x0c]).unwrap_err(),
            "Test at byte 0: wire type 4 (group) is not supported"
        );
        assert_eq!(
            read(&[0x0e]).unwrap_err(),
            "Test at byte 0: invalid wire type 6"
        );
        // Key 2^32 << 0: field number 2^29, too large.
        assert_eq!(
            read(&[0x80, 0x80, 0x80, 0x80, 0x10]).unwrap_err(),
            "Test at byte 0: invalid field key 4294967296"
        );
        assert_eq!(
            read(&[0x10, 0x01]).unwrap_err(),
            "Test.s (field 2) at byte 0: wire type 0 (varint), expected 2 (length-delimited)"
        );
    }

    #[test]
    fn bounds() {
        assert_eq!(
            read(&[0x08, 0x01, 0x12, 0xe8, 0x07, b'x']).unwrap_err(),
            "Test.s (field 2) at byte 5: length 1000 exceeds the 1 bytes left"
        );
        assert_eq!(
            read(&[0x19, 1, 2, 3]).unwrap_err(),
            "Test.d (field 3) at byte 1: fixed 8-byte value needs more than the 3 bytes left"
        );
        assert_eq!(
            read(&[0xaa, 0x06, 0x05]).unwrap_err(),
            "Test field 101 at byte 3: length 5 exceeds the 0 bytes left"
        );
        // Absolute offsets: the same message seen at offset 100.
        let err = read_at(&[0x12, 0x05], 100).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Test.s (field 2) at byte 102: length 5 exceeds the 0 bytes left"
        );
    }

    #[test]
    fn fuses_after_an_error_and_checks_utf8() {
        static OUTER: Schema = Schema::new("Outer", &[("t", WireType::Len)]);
        // Two `t` messages, then a bad tag, then a third: the walk stops at the bad tag.
        let bytes = [0x0a, 0x00, 0x0a, 0x02, 0x08, 0x01, 0x0e, 0x0a, 0x00];
        let mut repeated = Repeated::new(Cursor::new(&bytes, 0), &OUTER);
        assert!(repeated.next(1, &TEST, &mut Framing).unwrap().is_ok());
        assert!(repeated.next(1, &TEST, &mut Framing).unwrap().is_ok());
        assert!(repeated.next(1, &TEST, &mut Framing).unwrap().is_err());
        assert!(repeated.next(1, &TEST, &mut Framing).is_none());

        let bytes = [0x12, 0x03, b'a', 0xff, b'b'];
        let mut src = Checked::new(Cursor::new(&bytes, 10), &TEST);
        assert_eq!(src.field().map(|t| t.map(|t| t.number)), Ok(Some(2)));
        assert_eq!(
            src.str().unwrap_err().to_string(),
            "Test.s (field 2) at byte 13: string is not valid UTF-8"
        );
        let check_framing = |b| decode(&mut Cursor::new(b, 0), &TEST, &mut Framing);
        assert!(check_framing(&bytes).is_ok());
        assert!(check_framing(&bytes[..4]).is_err());
    }

    proptest::proptest! {
        /// The fast path accepts only what the checked path accepts, with the same result.
        #[test]
        fn quick_framing_agrees_with_checked(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..48),
        ) {
            let quick = Framing.walk(&mut Quick::new(Cursor::new(&bytes, 0), &TEST));
            if let Ok(quick) = quick {
                let checked = checked(&mut Cursor::new(&bytes, 0), &TEST, &mut Framing);
                proptest::prop_assert_eq!(Ok(quick), checked);
            }
        }
    }
}
