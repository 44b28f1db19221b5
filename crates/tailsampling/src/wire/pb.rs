//! A minimal protobuf reader: varints, tags, wire types 0/1/2/5 and length-delimited bounds
//! checks, over borrowed bytes. It never panics and never allocates; every error carries the
//! absolute byte offset and the message/field being read. Groups (wire types 3/4) are refused.
//!
//! [`Reader`] is the checked reader, with error detail. [`Quick`] is its fast path for the hot
//! loops (points and fields at decision time): the same acceptance rules for one-byte tags and
//! no error detail; whatever it does not take (malformed input, multi-byte tags) is re-read by
//! a [`Reader`], which either accepts it too or reports the exact error.

use super::error::{Problem, Site, WireError};

/// The wire types this schema uses (protobuf's 0, 1, 2 and 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WireType {
    Varint = 0,
    I64 = 1,
    Len = 2,
    I32 = 5,
}

/// The shape of one message: its name and, at index `n - 1`, the name and wire type of field `n`.
pub(crate) struct Schema {
    pub(crate) message: &'static str,
    pub(crate) fields: &'static [(&'static str, WireType)],
    /// `quick_keys[key]`: the one-byte field key `key` passes every tag check [`Reader`]
    /// makes (for [`Quick`]).
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

    /// Whether a tag of field `number` with `wire_type` passes every tag check [`Reader`]
    /// makes: a field number, a wire type other than a group's, and the schema's wire type
    /// for a known field.
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

/// One decoded value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Wire<'a> {
    Varint(u64),
    I64(u64),
    Len(&'a [u8]),
    /// A fixed 32-bit value: no field of this schema has one, so only its position is kept.
    I32,
}

/// One field occurrence. Known fields are guaranteed to carry their schema's wire type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry<'a> {
    pub(crate) number: u32,
    pub(crate) value: Wire<'a>,
    /// Absolute offset of the value (for `Len`, of its first byte after the length prefix).
    pub(crate) offset: usize,
    schema: &'static Schema,
}

impl<'a> Entry<'a> {
    /// `bytes` (this entry's `Len` value) as a UTF-8 string.
    pub(crate) fn str(&self, bytes: &'a [u8]) -> Result<&'a str, WireError> {
        std::str::from_utf8(bytes).map_err(|e| WireError::Decode {
            site: self.schema.site(Some(self.number)),
            offset: self.offset + e.valid_up_to(),
            problem: Problem::Utf8,
        })
    }
}

/// Iterates the fields of one encoded message, in wire order. Fuses after the first error.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    /// Absolute offset of `rest[0]`.
    offset: usize,
    schema: &'static Schema,
}

impl<'a> Reader<'a> {
    /// A reader over the message `bytes`, which start at absolute offset `offset`.
    pub(crate) fn new(bytes: &'a [u8], offset: usize, schema: &'static Schema) -> Self {
        Reader {
            rest: bytes,
            offset,
            schema,
        }
    }

    /// Ends the iteration (after an error found by the caller).
    pub(crate) fn stop(&mut self) {
        self.rest = &[];
    }

    fn advance(&mut self, n: usize) {
        self.rest = self.rest.get(n..).unwrap_or_default();
        self.offset += n;
    }

    fn varint(&mut self) -> Result<u64, Problem> {
        // Tags and short lengths are one byte: the common case.
        if let Some(&byte) = self.rest.first() {
            if byte < 0x80 {
                self.advance(1);
                return Ok(u64::from(byte));
            }
        }
        let mut value = 0u64;
        for (i, &byte) in self.rest.iter().take(10).enumerate() {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                if i == 9 && byte > 1 {
                    return Err(Problem::VarintOverflow);
                }
                self.advance(i + 1);
                return Ok(value);
            }
        }
        Err(if self.rest.len() >= 10 {
            Problem::VarintTooLong
        } else {
            Problem::VarintTruncated
        })
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], Problem> {
        let bytes = *self
            .rest
            .first_chunk::<N>()
            .ok_or(Problem::FixedTruncated {
                width: N,
                left: self.rest.len(),
            })?;
        self.advance(N);
        Ok(bytes)
    }

    /// A length prefix and the bytes it covers.
    fn length_delimited(&mut self) -> Result<&'a [u8], Problem> {
        let len = self.varint()?;
        let bytes = usize::try_from(len)
            .ok()
            .and_then(|n| self.rest.get(..n))
            .ok_or(Problem::LengthOverrun {
                len,
                left: self.rest.len(),
            })?;
        self.advance(bytes.len());
        Ok(bytes)
    }

    fn entry(&mut self) -> Result<Entry<'a>, WireError> {
        let schema = self.schema;
        let tag_at = self.offset;
        let tag_error = |problem| WireError::Decode {
            site: schema.site(None),
            offset: tag_at,
            problem,
        };
        let key = self.varint().map_err(tag_error)?;
        let number = u32::try_from(key)
            .ok()
            .map(|key| key >> 3)
            .filter(|&number| number != 0)
            .ok_or_else(|| tag_error(Problem::InvalidKey(key)))?;
        let wire_type = match key & 7 {
            0 => WireType::Varint,
            1 => WireType::I64,
            2 => WireType::Len,
            5 => WireType::I32,
            other @ (3 | 4) => return Err(tag_error(Problem::Group(other as u8))),
            other => return Err(tag_error(Problem::InvalidWireType(other as u8))),
        };
        let field_error = |offset, problem| WireError::Decode {
            site: schema.site(Some(number)),
            offset,
            problem,
        };
        if let Some((_, expected)) = schema.field(number) {
            if expected != wire_type {
                let problem = Problem::WrongWireType {
                    found: wire_type as u8,
                    expected: expected as u8,
                };
                return Err(field_error(tag_at, problem));
            }
        }
        let value_at = self.offset;
        let value = match wire_type {
            WireType::Varint => self.varint().map(Wire::Varint),
            WireType::I64 => self.fixed().map(|b| Wire::I64(u64::from_le_bytes(b))),
            WireType::I32 => self.fixed::<4>().map(|_| Wire::I32),
            WireType::Len => self.length_delimited().map(Wire::Len),
        };
        // A failed read does not advance: the reader is at the offending bytes.
        let value = value.map_err(|problem| field_error(self.offset, problem))?;
        let offset = match value {
            Wire::Len(bytes) => self.offset - bytes.len(),
            _ => value_at,
        };
        Ok(Entry {
            number,
            value,
            offset,
            schema,
        })
    }

    /// The next occurrence of the length-delimited field `number`, decoded by
    /// `decode(bytes, offset)`; other fields are skipped. Stops after the first error.
    pub(crate) fn next_message<T>(
        &mut self,
        number: u32,
        decode: impl FnOnce(&'a [u8], usize) -> Result<T, WireError>,
    ) -> Option<Result<T, WireError>> {
        let decoded = loop {
            if let Some((rest, found)) = self.quick_entry(number) {
                let consumed = self.rest.len() - rest.len();
                self.rest = rest;
                self.offset += consumed;
                match found {
                    Some(bytes) => {
                        break decode(bytes, self.offset - bytes.len());
                    }
                    None => continue,
                }
            }
            match self.next()? {
                Ok(Entry {
                    number: n,
                    value: Wire::Len(bytes),
                    offset,
                    ..
                }) if n == number => break decode(bytes, offset),
                Ok(_) => continue,
                Err(e) => return Some(Err(e)),
            }
        };
        if decoded.is_err() {
            self.stop();
        }
        Some(decoded)
    }
}

impl<'a> Reader<'a> {
    /// [`Quick`] over the next entry: where it ends, and its bytes when it is the
    /// length-delimited field `number`; `None` when the checked path must read it.
    #[inline(always)]
    fn quick_entry(&self, number: u32) -> Option<(&'a [u8], Option<&'a [u8]>)> {
        let mut q = Quick::new(self.rest);
        match q.tag(self.schema)? {
            (n, 2) if n == number => q.bytes().map(|b| (q.rest, Some(b))),
            (_, wire_type) => q.skip(wire_type).map(|()| (q.rest, None)),
        }
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<Entry<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let entry = self.entry();
        if entry.is_err() {
            self.stop();
        }
        Some(entry)
    }
}

impl std::iter::FusedIterator for Reader<'_> {}

/// The fast path of [`Reader`]: accepts a field only when its tag is one byte and everything
/// about it passes the checks [`Reader`] makes (field number not 0, wire type 0/1/2/5 and the
/// schema's for a known field, varints of at most 10 bytes within 64 bits, lengths within the
/// message); `None` otherwise, without detail. A caller that gets `None` re-reads the same
/// bytes with a [`Reader`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Quick<'a> {
    pub(crate) rest: &'a [u8],
}

impl<'a> Quick<'a> {
    #[inline(always)]
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Quick { rest: bytes }
    }

    /// The next tag as `(field number, wire type)`.
    #[inline(always)]
    pub(crate) fn tag(&mut self, schema: &Schema) -> Option<(u32, u8)> {
        let (&key, tail) = self.rest.split_first()?;
        if !*schema.quick_keys.get(usize::from(key))? {
            return None;
        }
        self.rest = tail;
        Some((u32::from(key >> 3), key & 7))
    }

    /// [`tag`](Self::tag) that also takes two-byte keys (field numbers 16 to 2047), for a
    /// message with fields past 15 (DataPacket), under the same checks.
    #[inline]
    pub(crate) fn wide_tag(&mut self, schema: &Schema) -> Option<(u32, u8)> {
        let [b0, b1, ref tail @ ..] = *self.rest else {
            return self.tag(schema);
        };
        if b0 < 0x80 {
            return self.tag(schema);
        }
        if b1 >= 0x80 {
            return None;
        }
        let key = u32::from(b0 & 0x7f) | u32::from(b1) << 7;
        let (number, wire_type) = (key >> 3, (key & 7) as u8);
        if !Schema::tag_ok(schema.fields, number as usize, usize::from(wire_type)) {
            return None;
        }
        self.rest = tail;
        Some((number, wire_type))
    }

    #[inline(always)]
    pub(crate) fn varint(&mut self) -> Option<u64> {
        let (&byte, tail) = self.rest.split_first()?;
        if byte < 0x80 {
            self.rest = tail;
            return Some(u64::from(byte));
        }
        self.long_varint()
    }

    fn long_varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for (i, &byte) in self.rest.iter().take(10).enumerate() {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                if i == 9 && byte > 1 {
                    return None;
                }
                self.rest = &self.rest[i + 1..];
                return Some(value);
            }
        }
        None
    }

    /// A length-delimited value.
    #[inline(always)]
    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.varint()?).ok()?;
        if len > self.rest.len() {
            return None;
        }
        let (bytes, tail) = self.rest.split_at(len);
        self.rest = tail;
        Some(bytes)
    }

    #[inline(always)]
    pub(crate) fn fixed64(&mut self) -> Option<u64> {
        let (bytes, tail) = self.rest.split_first_chunk::<8>()?;
        self.rest = tail;
        Some(u64::from_le_bytes(*bytes))
    }

    /// Skips a value of `wire_type` (as returned by [`tag`](Self::tag)).
    #[inline(always)]
    pub(crate) fn skip(&mut self, wire_type: u8) -> Option<()> {
        match wire_type {
            0 => self.varint().map(drop),
            1 => self.fixed64().map(drop),
            2 => self.bytes().map(drop),
            _ => {
                let (_, tail) = self.rest.split_first_chunk::<4>()?;
                self.rest = tail;
                Some(())
            }
        }
    }
}

/// Checks the framing of a whole message (tags, lengths, wire types of known fields) without
/// interpreting it.
pub(crate) fn check_framing(
    bytes: &[u8],
    offset: usize,
    schema: &'static Schema,
) -> Result<(), WireError> {
    Reader::new(bytes, offset, schema).try_for_each(|entry| entry.map(drop))
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
            ("f", WireType::I32),
        ],
    );

    fn read(bytes: &[u8]) -> Result<Vec<(u32, String)>, String> {
        Reader::new(bytes, 0, &TEST)
            .map(|e| {
                e.map(|e| (e.number, format!("{:?}@{}", e.value, e.offset)))
                    .map_err(|e| e.to_string())
            })
            .collect()
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
        let err = Reader::new(&[0x12, 0x05], 100, &TEST)
            .next()
            .unwrap()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Test.s (field 2) at byte 102: length 5 exceeds the 0 bytes left"
        );
    }

    #[test]
    fn fuses_after_an_error_and_checks_utf8() {
        let mut reader = Reader::new(&[0x0e, 0x08, 0x01], 0, &TEST);
        assert!(reader.next().unwrap().is_err());
        assert!(reader.next().is_none());

        let bytes = [0x12, 0x03, b'a', 0xff, b'b'];
        let entry = Reader::new(&bytes, 10, &TEST).next().unwrap().unwrap();
        let Wire::Len(s) = entry.value else {
            panic!("expected Len")
        };
        assert_eq!(
            entry.str(s).unwrap_err().to_string(),
            "Test.s (field 2) at byte 13: string is not valid UTF-8"
        );
        assert!(check_framing(&bytes, 0, &TEST).is_ok());
        assert!(check_framing(&bytes[..4], 0, &TEST).is_err());
    }
}
