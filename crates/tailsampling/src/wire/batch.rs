//! [`BatchRef`]: an `aggregate.v1.DataBatch` (a collector id and many `DataPacket`s) read
//! lazily from borrowed bytes, and [`encode_batch`]. Datakit does not send batches today; the
//! format is kept for compatibility.

use prost::Message;

use super::error::WireError;
use super::packet::{PacketRef, PacketWalk, DATA_PACKET};
use super::pb::{self, Cursor, Repeated, Schema, Source, Walk, WireType};
use super::proto::aggregate::DataBatch;

static DATA_BATCH: Schema = Schema::new(
    "DataBatch",
    &[("collector_id", WireType::Len), ("packets", WireType::Len)],
);

/// The decoding of a `DataBatch` as [`BatchRef::decode`] does it: its `collector_id` (the last
/// occurrence wins), the packets' framing only.
struct BatchWalk;

impl<'a> Walk<'a> for BatchWalk {
    type Output = &'a str;

    fn walk<S: Source<'a>>(&mut self, src: &mut S) -> Result<&'a str, S::Error> {
        let mut collector_id = "";
        while let Some(tag) = src.field()? {
            match tag.number {
                1 => collector_id = src.str()?,
                _ => src.skip(tag)?,
            }
        }
        Ok(collector_id)
    }
}

/// A decoded `DataBatch`: its `collector_id`, and its packets decoded on demand by
/// [`packets`](Self::packets).
#[derive(Clone, Copy, Debug)]
pub struct BatchRef<'a> {
    collector_id: &'a str,
    bytes: &'a [u8],
}

impl<'a> BatchRef<'a> {
    /// Checks the batch framing and decodes `collector_id` (last occurrence wins). The packets
    /// themselves are decoded by [`packets`](Self::packets). Never allocates.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, WireError> {
        let collector_id = pb::decode(&mut Cursor::new(bytes, 0), &DATA_BATCH, &mut BatchWalk)?;
        Ok(BatchRef {
            collector_id,
            bytes,
        })
    }

    /// The `collector_id` field.
    pub fn collector_id(&self) -> &'a str {
        self.collector_id
    }

    /// The packets in wire order; errors report absolute offsets in the batch bytes.
    pub fn packets(&self) -> BatchPackets<'a> {
        BatchPackets {
            packets: Repeated::new(Cursor::new(self.bytes, 0), &DATA_BATCH),
        }
    }

    /// An owned copy as the prost type, or the first packet's decode error.
    pub fn to_proto(&self) -> Result<DataBatch, WireError> {
        Ok(DataBatch {
            collector_id: self.collector_id.to_owned(),
            packets: self
                .packets()
                .map(|p| p.map(|p| p.to_proto()))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The packets of a [`BatchRef`]. Ends after the first error.
#[derive(Clone, Debug)]
pub struct BatchPackets<'a> {
    packets: Repeated<'a>,
}

impl<'a> Iterator for BatchPackets<'a> {
    type Item = Result<PacketRef<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.packets.next(2, &DATA_PACKET, &mut PacketWalk)
    }
}

impl std::iter::FusedIterator for BatchPackets<'_> {}

/// Encodes a `DataBatch` of `packets` (by prost).
pub fn encode_batch<'p, 'a: 'p>(
    collector_id: &str,
    packets: impl IntoIterator<Item = &'p PacketRef<'a>>,
) -> Vec<u8> {
    DataBatch {
        collector_id: collector_id.to_owned(),
        packets: packets.into_iter().map(PacketRef::to_proto).collect(),
    }
    .encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_absolute_offsets() {
        let a = PacketRef {
            raw_group_id: "a",
            token: "t",
            ..PacketRef::default()
        };
        let b = PacketRef {
            raw_group_id: "b",
            points_payload: b"xyz",
            ..PacketRef::default()
        };
        let bytes = encode_batch("dk-1", [&a, &b]);
        let batch = BatchRef::decode(&bytes).unwrap();
        assert_eq!(batch.collector_id(), "dk-1");
        let packets: Vec<_> = batch.packets().collect::<Result<_, _>>().unwrap();
        assert_eq!(packets, vec![a, b]);
        assert_eq!(
            batch.to_proto().unwrap(),
            DataBatch::decode(bytes.as_slice()).unwrap()
        );

        // A bad string inside the second packet is reported at its offset in the batch.
        let b = PacketRef {
            raw_group_id: "zz",
            ..b
        };
        let mut bad = encode_batch("dk-1", [&a, &b]);
        let at = bad.windows(2).position(|w| w == b"zz").unwrap();
        bad[at] = 0xc0;
        let batch = BatchRef::decode(&bad).unwrap();
        let mut packets = batch.packets();
        assert!(packets.next().unwrap().is_ok());
        let err = packets.next().unwrap().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("DataPacket.raw_group_id (field 2) at byte {at}: string is not valid UTF-8")
        );
        assert!(packets.next().is_none());
    }
}
