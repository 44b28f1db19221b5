//! The framing of one log record, and the reader that finds where the valid records of a
//! segment end.
//!
//! A record is `len: u32 LE` (the body's length) | `crc32c: u32 LE` (the body's CRC-32C) |
//! body, and the body is `kind: u8` followed by the payload. The checksum covers the kind, so a
//! flipped kind is caught like a flipped payload byte. A body is at least one byte (the kind)
//! and at most [`MAX_BODY`] bytes, so a run of zeros (a preallocated or zero-filled tail) and a
//! corrupt length are both recognised as the end, never read as a record.

use std::fmt;

/// The bytes before a record's body: its length and its checksum.
pub const HEADER: usize = 8;

/// The largest body (kind + payload) a record may have: 64 MiB. A length field above it is
/// corruption, not a record to read; [`super::Log::append`] refuses larger payloads.
pub const MAX_BODY: usize = 64 << 20;

/// One record, its payload borrowed from the bytes it was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// What the record is, for the log's user (the log does not interpret it).
    pub kind: u8,
    /// The record's payload.
    pub payload: &'a [u8],
}

impl Record<'_> {
    /// The record's encoded length: header and body.
    pub fn encoded_len(&self) -> usize {
        HEADER + 1 + self.payload.len()
    }

    /// Appends the record's encoding to `out`. The caller keeps the body within [`MAX_BODY`].
    pub fn encode(&self, out: &mut Vec<u8>) {
        let len = u32::try_from(1 + self.payload.len()).expect("body within MAX_BODY");
        let crc = crc32c::crc32c_append(crc32c::crc32c(&[self.kind]), self.payload);
        out.reserve(self.encoded_len());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.push(self.kind);
        out.extend_from_slice(self.payload);
    }
}

/// Why the valid records of a segment end before its last byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Fewer than [`HEADER`] bytes are left: a header cut short.
    TornHeader,
    /// The header is whole but its body runs past the end: a body cut short.
    TornBody,
    /// The length field is 0 (no room for the kind): zeros, or a corrupt header.
    ZeroLength,
    /// The length field is above [`MAX_BODY`]: a corrupt header.
    TooLong,
    /// The body does not match its checksum: corrupt bytes.
    Checksum,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::TornHeader => "torn header",
            Reason::TornBody => "torn body",
            Reason::ZeroLength => "zero length",
            Reason::TooLong => "length over the maximum",
            Reason::Checksum => "checksum mismatch",
        })
    }
}

/// Where and why a [`Reader`] stopped before the end of its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stop {
    /// The offset of the first byte not part of a valid record (the end of the valid prefix).
    pub offset: usize,
    /// Why the bytes from `offset` are not a record.
    pub reason: Reason,
}

/// Reads the records of a byte slice in order; stops at the end or at the first torn or corrupt
/// record, which [`Reader::stop`] then describes. Never panics; borrows every payload.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
    stop: Option<Stop>,
}

impl<'a> Reader<'a> {
    /// A reader from the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            offset: 0,
            stop: None,
        }
    }

    /// The end of the records read so far: after the last record yielded.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Why reading stopped before the end of the bytes, once the iteration has ended; `None`
    /// while it has not, or when every byte was part of a valid record.
    pub fn stop(&self) -> Option<Stop> {
        self.stop
    }

    fn next_record(&self) -> Result<Record<'a>, Reason> {
        let rest = &self.bytes[self.offset..];
        let (header, rest) = rest
            .split_first_chunk::<HEADER>()
            .ok_or(Reason::TornHeader)?;
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        if len == 0 {
            return Err(Reason::ZeroLength);
        }
        if len > MAX_BODY {
            return Err(Reason::TooLong);
        }
        let body = rest.get(..len).ok_or(Reason::TornBody)?;
        if crc32c::crc32c(body) != crc {
            return Err(Reason::Checksum);
        }
        Ok(Record {
            kind: body[0],
            payload: &body[1..],
        })
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        if self.stop.is_some() || self.offset == self.bytes.len() {
            return None;
        }
        match self.next_record() {
            Ok(record) => {
                self.offset += record.encoded_len();
                Some(record)
            }
            Err(reason) => {
                self.stop = Some(Stop {
                    offset: self.offset,
                    reason,
                });
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(records: &[(u8, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for &(kind, payload) in records {
            Record { kind, payload }.encode(&mut out);
        }
        out
    }

    #[test]
    fn round_trip() {
        let bytes = encoded(&[(1, b"alpha"), (2, b""), (255, &[0; 300])]);
        let mut reader = Reader::new(&bytes);
        let got: Vec<_> = reader
            .by_ref()
            .map(|r| (r.kind, r.payload.to_vec()))
            .collect();
        assert_eq!(
            got,
            [(1, b"alpha".to_vec()), (2, vec![]), (255, vec![0; 300])]
        );
        assert_eq!(reader.stop(), None);
        assert_eq!(reader.offset(), bytes.len());
    }

    #[test]
    fn stops_at_every_kind_of_damage() {
        let good = encoded(&[(1, b"first")]);
        let second = encoded(&[(7, b"second")]);
        let stop = |tail: &[u8]| {
            let mut bytes = good.clone();
            bytes.extend_from_slice(tail);
            let mut reader = Reader::new(&bytes);
            let read = reader.by_ref().count();
            (read, reader.stop().map(|s| (s.offset, s.reason)))
        };
        let at = good.len();
        assert_eq!(stop(&second[..5]), (1, Some((at, Reason::TornHeader))));
        assert_eq!(stop(&second[..10]), (1, Some((at, Reason::TornBody))));
        assert_eq!(stop(&[0; 64]), (1, Some((at, Reason::ZeroLength))));
        let mut long = second.clone();
        long[..4].copy_from_slice(&(MAX_BODY as u32 + 1).to_le_bytes());
        assert_eq!(stop(&long), (1, Some((at, Reason::TooLong))));
        let mut flipped = second.clone();
        flipped[8] ^= 1; // the kind is checksummed too
        assert_eq!(stop(&flipped), (1, Some((at, Reason::Checksum))));
        assert_eq!(stop(&second), (2, None));
    }
}
