//! The capture file: recorded (or generated) tail-sampling traffic, replayed in order.
//!
//! ```text
//! file   = magic record*
//! magic  = "TSCAP1\n"                       (7 bytes)
//! record = token_len:u32le token:token_len bytes   (UTF-8; 0 = no token)
//!          packet_len:u32le packet:packet_len bytes (one encoded aggregate.v1.DataPacket)
//! ```
//!
//! A record is one `POST /v1/tail_sampling*` body with the `?token=` it was sent with; an
//! absent token (length 0) means "use the packet's own `token` field". The file ends at a record
//! boundary; any other end is an error. Lengths are capped when reading ([`MAX_TOKEN_LEN`],
//! [`MAX_PACKET_LEN`] by default), and the reader allocates only as bytes actually arrive, so a
//! corrupt length costs neither gigabytes nor a panic. Every error names the record index (from
//! 0) and the byte offset in the file where the record's bad part starts. The writer refuses
//! what the reader would refuse, so every file it writes reads back.

use std::io::{self, Read, Write};

/// The first 7 bytes of a capture file.
pub const CAPTURE_MAGIC: &[u8; 7] = b"TSCAP1\n";

/// The longest token a record may carry: 64 KiB.
pub const MAX_TOKEN_LEN: u32 = 64 << 10;

/// The default limit on a record's packet: 256 MiB.
pub const MAX_PACKET_LEN: u32 = 256 << 20;

/// One capture record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The token the packet was sent with (`?token=`); `None` means the packet's own token.
    pub token: Option<String>,
    /// One encoded `DataPacket`, as the HTTP body.
    pub packet: Vec<u8>,
}

/// Why a capture file cannot be read (or a record cannot be written).
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file does not start with [`CAPTURE_MAGIC`].
    #[error("not a capture file: expected the magic line \"TSCAP1\\n\" at byte 0")]
    BadMagic,
    /// The file ends in the middle of a record.
    #[error(
        "capture record {record} at byte {offset}: truncated {part} ({missing} byte(s) missing)"
    )]
    Truncated {
        /// The record index, from 0.
        record: u64,
        /// The byte offset where the truncated part starts.
        offset: u64,
        /// `token length`, `token`, `packet length` or `packet`.
        part: &'static str,
        /// How many bytes were expected but absent.
        missing: u64,
    },
    /// A length is over its cap: the file is corrupt (or was written with a larger cap).
    #[error("capture record {record} at byte {offset}: {part} length {len} exceeds the limit of {cap} bytes")]
    TooLong {
        /// The record index, from 0.
        record: u64,
        /// The byte offset of the length field.
        offset: u64,
        /// `token` or `packet`.
        part: &'static str,
        /// The length found (or given to the writer).
        len: u64,
        /// The limit.
        cap: u64,
    },
    /// A token is not valid UTF-8.
    #[error("capture record {record} at byte {offset}: the token is not valid UTF-8")]
    TokenNotUtf8 {
        /// The record index, from 0.
        record: u64,
        /// The byte offset of the token.
        offset: u64,
    },
    /// Reading or writing failed.
    #[error("capture record {record} at byte {offset}: {source}")]
    Io {
        /// The record index, from 0 (0 also for the magic line).
        record: u64,
        /// The byte offset where the operation started.
        offset: u64,
        /// The I/O error.
        source: io::Error,
    },
}

/// Writes a capture file: [`CAPTURE_MAGIC`] on creation, then one record per
/// [`write`](Self::write).
#[derive(Debug)]
pub struct CaptureWriter<W: Write> {
    out: W,
    records: u64,
    bytes: u64,
}

impl<W: Write> CaptureWriter<W> {
    /// Starts a capture file on `out` by writing the magic line.
    pub fn new(mut out: W) -> Result<Self, CaptureError> {
        out.write_all(CAPTURE_MAGIC)
            .map_err(|source| CaptureError::Io {
                record: 0,
                offset: 0,
                source,
            })?;
        Ok(CaptureWriter {
            out,
            records: 0,
            bytes: CAPTURE_MAGIC.len() as u64,
        })
    }

    /// Appends one record. `None` and `Some("")` both write "no token". A token longer than
    /// [`MAX_TOKEN_LEN`] or a packet longer than [`MAX_PACKET_LEN`] is refused
    /// ([`CaptureError::TooLong`]) and nothing is written.
    pub fn write(&mut self, token: Option<&str>, packet: &[u8]) -> Result<(), CaptureError> {
        let token = token.unwrap_or("").as_bytes();
        let token_len = self.checked_len("token", token.len(), MAX_TOKEN_LEN, 0)?;
        let packet_len = self.checked_len(
            "packet",
            packet.len(),
            MAX_PACKET_LEN,
            4 + u64::from(token_len),
        )?;
        let (record, offset) = (self.records, self.bytes);
        let io = |source| CaptureError::Io {
            record,
            offset,
            source,
        };
        let mut head = Vec::with_capacity(8 + token.len());
        head.extend_from_slice(&token_len.to_le_bytes());
        head.extend_from_slice(token);
        head.extend_from_slice(&packet_len.to_le_bytes());
        self.out.write_all(&head).map_err(io)?;
        self.out.write_all(packet).map_err(io)?;
        self.bytes += (head.len() + packet.len()) as u64;
        self.records += 1;
        Ok(())
    }

    fn checked_len(
        &self,
        part: &'static str,
        len: usize,
        cap: u32,
        field_offset: u64,
    ) -> Result<u32, CaptureError> {
        match u32::try_from(len) {
            Ok(n) if n <= cap => Ok(n),
            _ => Err(CaptureError::TooLong {
                record: self.records,
                offset: self.bytes + field_offset,
                part,
                len: len as u64,
                cap: u64::from(cap),
            }),
        }
    }

    /// The number of records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The number of bytes written so far, magic line included.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> Result<W, CaptureError> {
        self.out.flush().map_err(|source| CaptureError::Io {
            record: self.records,
            offset: self.bytes,
            source,
        })?;
        Ok(self.out)
    }
}

/// Reads a capture file: an iterator of records. It ends after the last complete record, or
/// after the first error.
#[derive(Debug)]
pub struct CaptureReader<R: Read> {
    input: R,
    record: u64,
    offset: u64,
    max_packet_len: u32,
    done: bool,
}

impl<R: Read> CaptureReader<R> {
    /// Checks the magic line of `input` (a buffered reader is advisable).
    pub fn new(mut input: R) -> Result<Self, CaptureError> {
        let mut magic = Vec::with_capacity(CAPTURE_MAGIC.len());
        (&mut input)
            .take(CAPTURE_MAGIC.len() as u64)
            .read_to_end(&mut magic)
            .map_err(|source| CaptureError::Io {
                record: 0,
                offset: 0,
                source,
            })?;
        if magic != CAPTURE_MAGIC {
            return Err(CaptureError::BadMagic);
        }
        Ok(CaptureReader {
            input,
            record: 0,
            offset: CAPTURE_MAGIC.len() as u64,
            max_packet_len: MAX_PACKET_LEN,
            done: false,
        })
    }

    /// Sets the limit on a record's packet (default [`MAX_PACKET_LEN`]).
    #[must_use]
    pub fn with_max_packet_len(mut self, cap: u32) -> Self {
        self.max_packet_len = cap;
        self
    }

    /// Reads up to `len` bytes of `part`; `Ok(bytes)` with fewer bytes only at end of input.
    fn read_part(&mut self, len: u64) -> Result<Vec<u8>, CaptureError> {
        // `read_to_end` grows the buffer as data arrives: a lying length allocates nothing.
        let mut buf = Vec::new();
        let offset = self.offset;
        (&mut self.input)
            .take(len)
            .read_to_end(&mut buf)
            .map_err(|source| CaptureError::Io {
                record: self.record,
                offset,
                source,
            })?;
        self.offset += buf.len() as u64;
        Ok(buf)
    }

    fn read_exact_part(&mut self, part: &'static str, len: u64) -> Result<Vec<u8>, CaptureError> {
        let offset = self.offset;
        let buf = self.read_part(len)?;
        if (buf.len() as u64) < len {
            return Err(CaptureError::Truncated {
                record: self.record,
                offset,
                part,
                missing: len - buf.len() as u64,
            });
        }
        Ok(buf)
    }

    /// Reads the length field (named `len_part`) of `part`; `Ok(None)` at a clean end of input
    /// when `at_boundary`.
    fn read_len(
        &mut self,
        part: &'static str,
        len_part: &'static str,
        cap: u32,
        at_boundary: bool,
    ) -> Result<Option<u32>, CaptureError> {
        let offset = self.offset;
        let bytes = self.read_part(4)?;
        if bytes.is_empty() && at_boundary {
            return Ok(None);
        }
        let bytes: [u8; 4] =
            bytes
                .try_into()
                .map_err(|short: Vec<u8>| CaptureError::Truncated {
                    record: self.record,
                    offset,
                    part: len_part,
                    missing: 4 - short.len() as u64,
                })?;
        let len = u32::from_le_bytes(bytes);
        if len > cap {
            return Err(CaptureError::TooLong {
                record: self.record,
                offset,
                part,
                len: u64::from(len),
                cap: u64::from(cap),
            });
        }
        Ok(Some(len))
    }

    fn read_record(&mut self) -> Result<Option<Record>, CaptureError> {
        let Some(token_len) = self.read_len("token", "token length", MAX_TOKEN_LEN, true)? else {
            return Ok(None);
        };
        let token_offset = self.offset;
        let token = self.read_exact_part("token", u64::from(token_len))?;
        let token = match String::from_utf8(token) {
            Ok(t) if t.is_empty() => None,
            Ok(t) => Some(t),
            Err(_) => {
                return Err(CaptureError::TokenNotUtf8 {
                    record: self.record,
                    offset: token_offset,
                })
            }
        };
        let max = self.max_packet_len;
        let packet_len = self
            .read_len("packet", "packet length", max, false)?
            .unwrap_or_default();
        let packet = self.read_exact_part("packet", u64::from(packet_len))?;
        self.record += 1;
        Ok(Some(Record { token, packet }))
    }
}

impl<R: Read> Iterator for CaptureReader<R> {
    type Item = Result<Record, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = self.read_record().transpose();
        if !matches!(result, Some(Ok(_))) {
            self.done = true;
        }
        result
    }
}

impl<R: Read> std::iter::FusedIterator for CaptureReader<R> {}
