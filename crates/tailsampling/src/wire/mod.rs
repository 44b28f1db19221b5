//! The wire format (docs/protocol.md, "Wire format"): `DataPacket` decode/encode, the zero-copy
//! `PBPoints` walker, zstd payloads and the group hashes. Building packets from owned points (as
//! Datakit does) and the capture file format are tools' work: `tailsampling_cli::pack` and
//! `tailsampling_cli::capture`.
//!
//! Decoding never allocates: a [`PacketRef`] borrows its strings and payload from the request
//! body, and [`Points`] walks the payload in place. Every decode error is a [`WireError`] that
//! names the message, the field and the byte offset; its [`ErrorKind`] says which status to
//! answer with.
//!
//! ```
//! use tailsampling::wire::{PacketRef, Points, Value, DEFAULT_MAX_DECOMPRESSED};
//!
//! # fn main() -> Result<(), tailsampling::wire::WireError> {
//! # let body = PacketRef { data_type: "tracing", ..PacketRef::default() }.encode_to_vec();
//! let packet = PacketRef::decode(&body)?;
//! let payload = packet.payload(DEFAULT_MAX_DECOMPRESSED)?;
//! for point in Points::new(&payload) {
//!     for field in point?.fields() {
//!         let field = field?;
//!         if field.key == b"status" && field.value == Some(Value::Tag(b"error")) {
//!             // ...
//!         }
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod batch;
mod data_type;
mod error;
mod hash;
mod packet;
mod pb;
mod points;
pub mod value;
mod zstd;

pub use self::zstd::{compress, decompress_capped, payload_bytes, DEFAULT_MAX_DECOMPRESSED};
pub use batch::{encode_batch, BatchPackets, BatchRef};
pub use data_type::DataType;
pub use error::{ErrorKind, Problem, Site, WireError};
pub use hash::{
    fnv1a64, group_key_hash, hash_combine, hash_token, pick_key, xxh64, IdentityHasher, KeyHasher,
    TRACING,
};
pub use packet::{PacketRef, PacketValue, COMPRESSION_NONE, COMPRESSION_ZSTD};
pub use points::{count_points, FieldRef, Fields, PointRef, Points};
pub(crate) use points::{FieldSink, RawPoint};
pub use value::Value;

/// The prost-generated types of `proto/*.proto`, the owned reference representation.
pub mod proto {
    /// Package `aggregate.v1`: `DataPacket`, `DataBatch`.
    #[allow(missing_docs, clippy::all)]
    pub mod aggregate {
        include!(concat!(env!("OUT_DIR"), "/aggregate.v1.rs"));
    }
    /// Package `point`: `PBPoints`, `PBPoint`, `Field`.
    #[allow(missing_docs, clippy::all)]
    pub mod point {
        include!(concat!(env!("OUT_DIR"), "/point.rs"));
    }
}
