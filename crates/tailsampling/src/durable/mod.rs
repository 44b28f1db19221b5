//! The write-ahead log store the engine's durability (a `data_dir` option) is being built on: a
//! checksummed, append-only segment log with group commit and crash recovery. Not yet used by
//! the engine: the next step writes accepted packets and configs through it.
//!
//! - [`storage`]: the [`Storage`] trait, the only way the log touches files, over a directory
//!   ([`FsStorage`]) or a simulated disk with injectable faults ([`SimDisk`], [`SimStorage`]).
//! - [`record`]: the framing of one record (`len | crc32c | kind | payload`) and the reader
//!   that stops at the first torn or corrupt record.
//! - [`log`]: the [`Log`]: segments named by their first LSN, appends, group-committed syncs,
//!   recovery at open, removal of old segments.

pub mod log;
pub mod record;
pub mod storage;

pub use log::{segment_name, Cut, Error, Log, Lsn, Recovery};
pub use record::{Reader, Reason, Record, Stop, MAX_BODY};
pub use storage::{FsStorage, SimDisk, SimStorage, Storage, StorageFile};
