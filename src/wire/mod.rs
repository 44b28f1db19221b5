//! The wire format: `DataPacket` decode/encode, the zero-copy `PBPoints` walker, zstd payloads
//! and the group hashes (REFERENCE.md §1).

pub mod value;

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
