//! The [`Log`]: numbered records appended to segment files over a [`Storage`], made durable by
//! group commit, and read back by recovery at [`Log::open`].
//!
//! # Files
//!
//! A segment is named by the sequence number ([`Lsn`]) of its first record, zero-padded to 20
//! digits so that names sort as numbers (`00000000000000000001.wal`); records are numbered from 1
//! without gaps across segments. The last segment is the active one: appends go to its end, and
//! it is rolled (synced, then a new segment created) before a record would take it past the
//! configured size. Every segment but the last is therefore synced whole, which is what lets
//! recovery treat damage before the last segment as data loss. The roll's sync runs under the
//! log's lock: appends wait for one sync per segment.
//!
//! # Appending and syncing
//!
//! [`Log::append`] writes the record to the active segment at once (into the OS; not durable):
//! a write error (a full disk) is the append's own, the partial bytes are cut, the record is not
//! in the log and the log keeps working. [`Log::sync_to`] makes a record durable with group
//! commit and starts no thread: the first caller that needs a sync becomes the leader, syncs
//! everything written so far outside the lock, and wakes the others; those whose record the sync
//! covered return, the rest elect the next leader. Concurrent callers thus share syncs.
//!
//! A failed sync is never retried on the same file: after an fsync error the kernel may have
//! dropped the dirty pages and a second fsync would report success for lost data (the
//! PostgreSQL fsync lesson). The log becomes failed: every later append and sync returns
//! [`Error::Failed`]; only a new [`Log::open`] (recovery, from what is really on disk) goes on.
//!
//! # Recovery
//!
//! [`Log::open`] takes the directory's lock, reads every segment in order and hands each record
//! to the caller. A torn or corrupt tail of the last segment is what a crash leaves (a write cut
//! short): it is cut, so new appends follow the valid records, and counted in the [`Recovery`]
//! report. The cut starts at the first bad record, so a corrupt record in the last segment
//! takes the records after it in that segment with it: [`Cut::bytes`] counts them. Damage anywhere else (a corrupt record in an earlier segment, a missing segment, a
//! short read) is data loss in the middle of the log and is an error, never skipped. The caller
//! may then stop, restore the directory from a copy, or decide to accept the loss explicitly by
//! moving the named segment and those after it out of the directory and opening again (the log
//! then ends before them).

use std::collections::VecDeque;
use std::io::{self, ErrorKind};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use super::record::{Reader, Reason, Record, MAX_BODY};
use super::storage::{Storage, StorageFile};

/// A record's sequence number: 1 for the first record ever appended, then one more per record.
/// 0 means "no record" (the durable LSN of an empty log).
pub type Lsn = u64;

/// The suffix of segment file names.
const SUFFIX: &str = ".wal";

/// The name of the segment whose first record is `first`.
pub fn segment_name(first: Lsn) -> String {
    format!("{first:020}{SUFFIX}")
}

/// The first LSN of the segment named `name`, or `None` for a file that is not a segment (LSNs
/// start at 1).
fn segment_first(name: &str) -> Option<Lsn> {
    let digits = name.strip_suffix(SUFFIX)?;
    (digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
        .filter(|&first| first > 0)
}

/// What went wrong with the log.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A storage call failed (`op` on the file `name`).
    #[error("wal: {op} {name}: {source}")]
    Io {
        /// The storage call.
        op: &'static str,
        /// The file, or the directory's lock.
        name: String,
        /// The storage's error.
        source: io::Error,
    },
    /// The directory is locked by another live log (another processor).
    #[error("wal: the directory is in use by another live processor ({0})")]
    Locked(io::Error),
    /// A sync failed earlier: the log refuses appends and syncs until it is opened again.
    #[error("wal: the log has failed and accepts nothing more until it is reopened: {0}")]
    Failed(String),
    /// The payload is over the largest record ([`MAX_BODY`] with the kind byte).
    #[error("wal: a payload of {0} bytes is over the largest record")]
    TooLarge(usize),
    /// A segment other than the last is damaged: records after `offset` would be lost.
    #[error(
        "wal: segment {segment} is damaged at byte {offset} ({reason}) and is not the last one"
    )]
    Corrupt {
        /// The segment's file name.
        segment: String,
        /// The end of its valid records.
        offset: usize,
        /// Why the bytes at `offset` are not a record.
        reason: Reason,
    },
    /// A segment does not start where the one before it ends: a segment is missing.
    #[error(
        "wal: segment {segment} starts at record {found}, the one before ends before {expected}"
    )]
    Gap {
        /// The segment's file name.
        segment: String,
        /// The LSN its name says it starts at.
        found: Lsn,
        /// The LSN after the previous segment's last record.
        expected: Lsn,
    },
    /// Reading a segment returned fewer bytes than the file has.
    #[error("wal: short read of {segment}: {got} of {len} bytes")]
    ShortRead {
        /// The segment's file name.
        segment: String,
        /// The bytes read.
        got: usize,
        /// The file's length.
        len: u64,
    },
}

fn io_error<'a>(op: &'static str, name: &'a str) -> impl FnOnce(io::Error) -> Error + 'a {
    move |source| Error::Io {
        op,
        name: name.to_owned(),
        source,
    }
}

/// The torn or corrupt tail cut from the last segment at recovery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut {
    /// The segment's file name.
    pub segment: String,
    /// Where the valid records end (the segment's length after the cut).
    pub offset: usize,
    /// The bytes cut.
    pub bytes: u64,
    /// Why the bytes at `offset` were not a record.
    pub reason: Reason,
}

/// What [`Log::open`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// The segments read.
    pub segments: usize,
    /// The records handed to the caller.
    pub records: u64,
    /// Their encoded bytes (headers included).
    pub bytes: u64,
    /// The tail cut from the last segment, if any.
    pub cut: Option<Cut>,
}

/// The mutable state, under [`Log::state`].
struct State<F> {
    /// Every segment's first LSN, oldest first; the last is the active one.
    segments: VecDeque<Lsn>,
    /// The active segment, shared with a leader syncing it outside the lock.
    active: Arc<F>,
    /// The active segment's length (its valid records).
    active_len: u64,
    /// The LSN the next append gets.
    next: Lsn,
    /// Every record up to this one is on stable storage.
    durable: Lsn,
    /// A leader is syncing (outside the lock).
    syncing: bool,
    /// Why the log failed, once a sync did.
    failed: Option<String>,
    /// The encoding buffer of appends.
    scratch: Vec<u8>,
}

impl<F> State<F> {
    fn check(&self) -> Result<(), Error> {
        match &self.failed {
            Some(why) => Err(Error::Failed(why.clone())),
            None => Ok(()),
        }
    }

    fn fail(&mut self, what: String) -> Error {
        self.failed = Some(what.clone());
        Error::Failed(what)
    }
}

/// An append-only log of records in segment files; see the module doc. Shared between threads
/// by reference (`&Log`): appends serialize on a mutex, syncs are grouped.
pub struct Log<S: Storage> {
    storage: S,
    segment_bytes: u64,
    state: Mutex<State<S::File>>,
    synced: Condvar,
}

impl<S: Storage> Log<S> {
    /// Opens the log in `storage` (recovery): takes the directory's lock, hands every valid
    /// record to `on_record` in LSN order, cuts a torn or corrupt tail of the last segment, and
    /// syncs the last segment so that everything recovered is durable. It reads one segment at a
    /// time into memory, and hands out payloads borrowed from it. An empty directory
    /// starts a new log at LSN 1. Segments roll before they would pass `segment_bytes` (a
    /// segment holds at least one record, however large).
    pub fn open(
        storage: S,
        segment_bytes: u64,
        mut on_record: impl FnMut(Lsn, Record<'_>),
    ) -> Result<(Self, Recovery), Error> {
        storage.lock().map_err(|e| match e.kind() {
            ErrorKind::WouldBlock => Error::Locked(e),
            _ => Error::Io {
                op: "lock",
                name: super::storage::LOCK.to_owned(),
                source: e,
            },
        })?;
        let mut files: Vec<(Lsn, String, u64)> = storage
            .list()
            .map_err(io_error("list", "the directory"))?
            .into_iter()
            .filter_map(|(name, len)| Some((segment_first(&name)?, name, len)))
            .collect();
        files.sort_unstable();
        let mut recovery = Recovery::default();
        let mut next = files.first().map_or(1, |f| f.0);
        let mut last_len = 0;
        for (i, (first, name, len)) in files.iter().enumerate() {
            if *first != next {
                return Err(Error::Gap {
                    segment: name.clone(),
                    found: *first,
                    expected: next,
                });
            }
            let bytes = storage
                .read(name, 0, *len as usize)
                .map_err(io_error("read", name))?;
            if bytes.len() as u64 != *len {
                return Err(Error::ShortRead {
                    segment: name.clone(),
                    got: bytes.len(),
                    len: *len,
                });
            }
            let mut reader = Reader::new(&bytes);
            for record in reader.by_ref() {
                on_record(next, record);
                next += 1;
                recovery.records += 1;
            }
            last_len = reader.offset() as u64;
            recovery.bytes += last_len;
            recovery.segments += 1;
            if let Some(stop) = reader.stop() {
                if i + 1 < files.len() {
                    return Err(Error::Corrupt {
                        segment: name.clone(),
                        offset: stop.offset,
                        reason: stop.reason,
                    });
                }
                storage
                    .truncate(name, stop.offset as u64)
                    .map_err(io_error("truncate", name))?;
                recovery.cut = Some(Cut {
                    segment: name.clone(),
                    offset: stop.offset,
                    bytes: len - stop.offset as u64,
                    reason: stop.reason,
                });
            }
        }
        let (active, active_len) = match files.last() {
            Some((_, name, _)) => {
                let file = storage.open(name).map_err(io_error("open", name))?;
                file.sync().map_err(io_error("sync", name))?;
                (file, last_len)
            }
            None => {
                let name = segment_name(next);
                (storage.create(&name).map_err(io_error("create", &name))?, 0)
            }
        };
        let mut segments: VecDeque<Lsn> = files.iter().map(|f| f.0).collect();
        if segments.is_empty() {
            segments.push_back(next);
        }
        let log = Log {
            storage,
            segment_bytes,
            state: Mutex::new(State {
                segments,
                active: Arc::new(active),
                active_len,
                next,
                durable: next - 1,
                syncing: false,
                failed: None,
                scratch: Vec::new(),
            }),
            synced: Condvar::new(),
        };
        Ok((log, recovery))
    }

    /// Appends a record (written, not yet durable: see [`Log::sync_to`]) and returns its LSN.
    /// On an error the record is not in the log; after a write error (a full disk) the log
    /// keeps working, after a failed sync it does not ([`Error::Failed`]).
    pub fn append(&self, kind: u8, payload: &[u8]) -> Result<Lsn, Error> {
        if payload.len() >= MAX_BODY {
            return Err(Error::TooLarge(payload.len()));
        }
        let record = Record { kind, payload };
        let len = record.encoded_len() as u64;
        let mut st = self.state.lock();
        st.check()?;
        if st.active_len > 0 && st.active_len + len > self.segment_bytes {
            self.roll(&mut st)?;
        }
        let mut scratch = std::mem::take(&mut st.scratch);
        scratch.clear();
        record.encode(&mut scratch);
        let written = st.active.append(&scratch);
        st.scratch = scratch;
        if let Err(e) = written {
            let name = segment_name(*st.segments.back().expect("an active segment"));
            // Cut what was written of the record, so the next append follows valid records.
            if let Err(cut) = self.storage.truncate(&name, st.active_len) {
                return Err(st.fail(format!(
                    "cutting a failed append from {name}: {cut} (the append: {e})"
                )));
            }
            return Err(Error::Io {
                op: "append",
                name,
                source: e,
            });
        }
        st.active_len += len;
        st.next += 1;
        Ok(st.next - 1)
    }

    /// Syncs the active segment and starts a new one at the next LSN.
    fn roll(&self, st: &mut State<S::File>) -> Result<(), Error> {
        let old = segment_name(*st.segments.back().expect("an active segment"));
        if let Err(e) = st.active.sync() {
            let err = st.fail(format!("sync {old}: {e}"));
            self.synced.notify_all();
            return Err(err);
        }
        st.durable = st.next - 1;
        self.synced.notify_all();
        let name = segment_name(st.next);
        let file = self
            .storage
            .create(&name)
            .map_err(io_error("create", &name))?;
        st.active = Arc::new(file);
        st.active_len = 0;
        st.segments.push_back(st.next);
        Ok(())
    }

    /// Returns once every record up to `lsn` (clamped to the last appended) is on stable
    /// storage, sharing syncs with concurrent callers (see the module doc). An error means the
    /// log has failed: the records after [`Log::durable_lsn`] may be lost.
    pub fn sync_to(&self, lsn: Lsn) -> Result<(), Error> {
        let mut st = self.state.lock();
        loop {
            st.check()?;
            if st.durable >= lsn.min(st.next - 1) {
                return Ok(());
            }
            if st.syncing {
                self.synced.wait(&mut st);
                continue;
            }
            st.syncing = true;
            let file = Arc::clone(&st.active);
            let segment = *st.segments.back().expect("an active segment");
            let upto = st.next - 1;
            let result = parking_lot::MutexGuard::unlocked(&mut st, || file.sync());
            st.syncing = false;
            match result {
                Ok(()) => st.durable = st.durable.max(upto),
                Err(e) => {
                    st.fail(format!("sync {}: {e}", segment_name(segment)));
                }
            }
            self.synced.notify_all();
        }
    }

    /// Every record up to this LSN is on stable storage (0: none yet).
    pub fn durable_lsn(&self) -> Lsn {
        self.state.lock().durable
    }

    /// The LSN the next append will get.
    pub fn next_lsn(&self) -> Lsn {
        self.state.lock().next
    }

    /// Removes the oldest segments all of whose records are below `lsn` (never the active
    /// one), and returns how many it removed.
    pub fn remove_before(&self, lsn: Lsn) -> Result<usize, Error> {
        let mut st = self.state.lock();
        let mut removed = 0;
        while st.segments.len() > 1 && st.segments[1] <= lsn {
            let name = segment_name(st.segments[0]);
            self.storage
                .remove(&name)
                .map_err(io_error("remove", &name))?;
            st.segments.pop_front();
            removed += 1;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::durable::storage::SimDisk;

    type Records = Vec<(Lsn, u8, Vec<u8>)>;

    fn open(disk: &SimDisk, segment_bytes: u64) -> (Log<impl Storage>, Records, Recovery) {
        let mut records = Vec::new();
        let (log, recovery) = Log::open(disk.storage(), segment_bytes, |lsn, r| {
            records.push((lsn, r.kind, r.payload.to_vec()))
        })
        .unwrap();
        (log, records, recovery)
    }

    #[test]
    fn segment_names_sort_as_numbers() {
        assert_eq!(segment_name(42), "00000000000000000042.wal");
        assert_eq!(segment_first(&segment_name(u64::MAX)), Some(u64::MAX));
        assert_eq!(segment_first("00000000000000000042.tmp"), None);
        assert_eq!(segment_first("42.wal"), None);
        assert_eq!(segment_first(&segment_name(0)), None);
        assert!(segment_name(9) < segment_name(10));
    }

    #[test]
    fn rolls_and_removes_whole_segments() {
        let disk = SimDisk::new(1);
        let (log, _, _) = open(&disk, 64);
        for i in 0..10u8 {
            assert_eq!(log.append(i, &[i; 20]).unwrap(), u64::from(i) + 1);
        }
        // 29 bytes a record, two per 64-byte segment.
        let names: Vec<_> = disk.files().into_iter().map(|f| f.0).collect();
        let expected: Vec<_> = [1, 3, 5, 7, 9].map(segment_name).into();
        assert_eq!(names, expected);
        assert_eq!(log.durable_lsn(), 8, "a roll syncs the segment it leaves");
        assert_eq!(
            log.remove_before(4).unwrap(),
            1,
            "records 3 and 4 are not all below 4"
        );
        assert_eq!(
            log.remove_before(100).unwrap(),
            3,
            "never the active segment"
        );
        log.sync_to(10).unwrap();
        drop(log);
        let (log, records, recovery) = open(&disk, 64);
        assert_eq!(recovery.segments, 1);
        assert_eq!(records, [(9, 8, vec![8; 20]), (10, 9, vec![9; 20])]);
        assert_eq!(log.append(0, b"next").unwrap(), 11);
    }

    #[test]
    fn a_failed_sync_is_never_retried() {
        let disk = SimDisk::new(1);
        let (log, _, _) = open(&disk, 1 << 20);
        let lsn = log.append(1, b"a").unwrap();
        disk.fail_syncs(true);
        assert!(log.sync_to(lsn).is_err());
        disk.fail_syncs(false);
        let syncs = disk.syncs();
        assert!(matches!(log.sync_to(lsn), Err(Error::Failed(_))));
        assert!(matches!(log.append(1, b"b"), Err(Error::Failed(_))));
        assert_eq!(disk.syncs(), syncs, "no second fsync of the same file");
        assert_eq!(log.durable_lsn(), 0);
    }

    #[test]
    fn a_full_disk_fails_the_append_only() {
        let disk = SimDisk::new(1);
        let (log, _, _) = open(&disk, 1 << 20);
        log.append(1, b"first").unwrap();
        disk.set_space(Some(5));
        assert!(matches!(
            log.append(1, b"second"),
            Err(Error::Io { op: "append", ref source, .. }) if source.kind() == ErrorKind::StorageFull
        ));
        disk.set_space(None);
        assert_eq!(log.append(1, b"third").unwrap(), 2);
        log.sync_to(2).unwrap();
        assert!(matches!(
            log.append(0, &vec![0; MAX_BODY]),
            Err(Error::TooLarge(_))
        ));
    }
}
