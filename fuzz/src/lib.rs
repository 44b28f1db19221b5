//! Shared by the fuzz targets: [`Cursor`], which reads a fuzz input as a sequence of small
//! choices, so that the targets' input formats stay simple enough for the committed seeds to
//! be written by hand or by `tests/it/fuzz_regressions.rs` (RELIABILITY.md, "Fuzzing").

/// Reads choices from the front of a fuzz input. Once the input is exhausted every read
/// returns zeroes (or an empty slice), so any input decodes to something.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// A cursor over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { rest: data }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next byte, 0 at the end.
    pub fn u8(&mut self) -> u8 {
        let (&b, rest) = self.rest.split_first().unwrap_or((&0, &[]));
        self.rest = rest;
        b
    }

    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// The next eight bytes, little-endian.
    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(std::array::from_fn(|_| self.u8()))
    }

    /// The next `n` bytes, or what is left.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.rest.split_at(n.min(self.rest.len()));
        self.rest = rest;
        head
    }

    /// A byte string prefixed by its one-byte length.
    pub fn short_bytes(&mut self) -> &'a [u8] {
        let n = self.u8();
        self.bytes(n.into())
    }

    /// A byte string prefixed by its two-byte length.
    pub fn long_bytes(&mut self) -> &'a [u8] {
        let n = self.u16();
        self.bytes(n.into())
    }

    /// One of `items`, chosen by the next byte.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[usize::from(self.u8()) % items.len()]
    }
}
