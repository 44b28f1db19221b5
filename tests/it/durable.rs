//! The write-ahead log store (`tailsampling::durable`): round trips over segment rolls, crash
//! recovery with a torn write at every byte of the unsynced tail, bit flips, fsync failures, a
//! full disk, group commit across threads, the directory lock, and the file system.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tailsampling::durable::{
    segment_name, Error, FsStorage, Log, Lsn, Reason, Recovery, SimDisk, Storage, MAX_BODY,
};

type Records = Vec<(Lsn, u8, Vec<u8>)>;

const HEADER: usize = 8;

fn open<S: Storage>(storage: S, segment_bytes: u64) -> Result<(Log<S>, Records, Recovery), Error> {
    let mut records = Vec::new();
    let (log, recovery) = Log::open(storage, segment_bytes, |lsn, r| {
        records.push((lsn, r.kind, r.payload.to_vec()))
    })?;
    Ok((log, records, recovery))
}

/// The payload of record `i`: its length varies, its bytes are recognisable.
fn payload(i: u64) -> Vec<u8> {
    (0..(i * 7 % 23) as usize)
        .map(|j| (i as u8) ^ (j as u8))
        .collect()
}

fn record(i: u64) -> (Lsn, u8, Vec<u8>) {
    (i, (i % 5) as u8, payload(i))
}

fn append(log: &Log<impl Storage>, i: u64) -> Lsn {
    let (_, kind, payload) = record(i);
    log.append(kind, &payload).unwrap()
}

#[test]
fn round_trip_over_segment_rolls() {
    let disk = SimDisk::new(1);
    let (log, records, _) = open(disk.storage(), 100).unwrap();
    assert!(records.is_empty());
    for i in 1..=200 {
        assert_eq!(append(&log, i), i);
    }
    log.sync_to(200).unwrap();
    assert_eq!(log.durable_lsn(), 200);
    drop(log);
    assert!(disk.files().len() > 20, "{:?}", disk.files());
    let (log, records, recovery) = open(disk.storage(), 100).unwrap();
    assert_eq!(records, (1..=200).map(record).collect::<Records>());
    assert_eq!(recovery.records, 200);
    assert_eq!(recovery.cut, None);
    assert_eq!(recovery.segments, disk.files().len());
    assert_eq!(log.next_lsn(), 201);
}

/// Synced records, then unsynced ones, then a crash keeping `torn` of the unsynced bytes:
/// exactly the synced records survive plus the unsynced ones written whole, never a corrupt one;
/// what is cut is counted, and new appends follow the valid records.
#[test]
fn torn_write_at_every_byte_of_the_tail() {
    const SYNCED: u64 = 6;
    const UNSYNCED: u64 = 4;
    let tail: usize = (SYNCED + 1..=SYNCED + UNSYNCED)
        .map(|i| HEADER + 1 + payload(i).len())
        .sum();
    for torn in 0..=tail {
        let disk = SimDisk::new(torn as u64);
        let (log, _, _) = open(disk.storage(), 80).unwrap();
        for i in 1..=SYNCED {
            append(&log, i);
        }
        log.sync_to(SYNCED).unwrap();
        for i in SYNCED + 1..=SYNCED + UNSYNCED {
            append(&log, i);
        }
        // A roll syncs the segment it leaves: the unsynced records are those after the durable
        // LSN, all in the last segment.
        let durable = log.durable_lsn();
        assert!(durable >= SYNCED);
        disk.crash_keeping(torn);
        drop(log);

        let (log, records, recovery) = open(disk.storage(), 80).unwrap();
        let unsynced: usize = (durable + 1..=SYNCED + UNSYNCED)
            .map(|i| HEADER + 1 + payload(i).len())
            .sum();
        assert!(unsynced > 40, "{unsynced}: the test tears nothing");
        let mut whole = durable;
        let mut whole_bytes = 0;
        for i in durable + 1..=SYNCED + UNSYNCED {
            let len = HEADER + 1 + payload(i).len();
            if whole_bytes + len > torn {
                break;
            }
            whole += 1;
            whole_bytes += len;
        }
        assert_eq!(
            records,
            (1..=whole).map(record).collect::<Records>(),
            "torn at {torn}"
        );
        let cut = recovery.cut.as_ref().map_or(0, |c| c.bytes);
        assert_eq!(
            cut as usize,
            torn.min(unsynced) - whole_bytes,
            "torn at {torn}: {recovery:?}"
        );
        if let Some(c) = &recovery.cut {
            assert!(
                matches!(c.reason, Reason::TornHeader | Reason::TornBody),
                "{c:?}"
            );
        }
        // The log goes on after the valid records, durably.
        assert_eq!(append(&log, whole + 1), whole + 1);
        log.sync_to(whole + 1).unwrap();
        drop(log);
        disk.crash();
        let (_, records, recovery) = open(disk.storage(), 80).unwrap();
        assert_eq!(records, (1..=whole + 1).map(record).collect::<Records>());
        assert_eq!(recovery.cut, None);
    }
}

/// A seeded crash of a log written by several rounds: never fewer than the synced records,
/// never a record that was not appended.
#[test]
fn seeded_crashes_keep_a_prefix() {
    for seed in 0..50 {
        let disk = SimDisk::new(seed);
        let mut next = 1;
        for round in 0..5 {
            let (log, records, _) = open(disk.storage(), 120).unwrap();
            assert!(
                records.len() as u64 + 1 >= next,
                "seed {seed} round {round}"
            );
            assert_eq!(
                records,
                (1..=records.len() as u64).map(record).collect::<Records>()
            );
            next = records.len() as u64 + 1;
            for i in next..next + 7 {
                append(&log, i);
            }
            log.sync_to(next + 4).unwrap();
            next += 5; // the two after the sync may be lost
            disk.crash();
        }
    }
}

#[test]
fn bit_flips_in_the_last_segment_are_cut_and_counted() {
    let build = || {
        let disk = SimDisk::new(3);
        let (log, _, _) = open(disk.storage(), 1 << 20).unwrap();
        for i in 1..=5 {
            append(&log, i);
        }
        log.sync_to(5).unwrap();
        disk
    };
    let starts: Vec<usize> = (1..=5)
        .scan(0, |at, i| {
            let start = *at;
            *at += HEADER + 1 + payload(i).len();
            Some(start)
        })
        .collect();
    let (name, len) = build().files()[0].clone();
    for offset in 0..len {
        let disk = build();
        disk.flip_bit(&name, offset, (offset % 8) as u8);
        let (_, records, recovery) = open(disk.storage(), 1 << 20).unwrap();
        let damaged = starts.iter().rposition(|&s| s <= offset).unwrap();
        assert_eq!(
            records,
            (1..=damaged as u64).map(record).collect::<Records>()
        );
        let cut = recovery.cut.expect("a flip is cut");
        assert_eq!(cut.offset, starts[damaged]);
        assert_eq!(cut.bytes as usize, len - starts[damaged]);
    }
}

#[test]
fn corruption_before_the_last_segment_is_an_error() {
    let disk = SimDisk::new(4);
    let (log, _, _) = open(disk.storage(), 60).unwrap();
    for i in 1..=10 {
        append(&log, i);
    }
    log.sync_to(10).unwrap();
    drop(log);
    let first = segment_name(1);
    disk.flip_bit(&first, HEADER + 1, 2);
    let before = disk.files();
    match open(disk.storage(), 60) {
        Err(Error::Corrupt {
            segment,
            offset: 0,
            reason: Reason::Checksum,
        }) => assert_eq!(segment, first),
        other => panic!("{:?}", other.map(|r| r.2)),
    }
    assert_eq!(disk.files(), before, "nothing is cut");
}

#[test]
fn a_short_read_is_an_error_not_a_cut() {
    let disk = SimDisk::new(5);
    let (log, _, _) = open(disk.storage(), 1 << 20).unwrap();
    for i in 1..=5 {
        append(&log, i);
    }
    log.sync_to(5).unwrap();
    drop(log);
    disk.set_short_read(Some(20));
    assert!(matches!(
        open(disk.storage(), 1 << 20),
        Err(Error::ShortRead { got: 20, .. })
    ));
    disk.set_short_read(None);
    let (_, records, recovery) = open(disk.storage(), 1 << 20).unwrap();
    assert_eq!(records.len(), 5);
    assert_eq!(recovery.cut, None);
}

#[test]
fn a_failed_fsync_poisons_and_recovery_keeps_the_durable_records() {
    let disk = SimDisk::new(6);
    let (log, _, _) = open(disk.storage(), 1 << 20).unwrap();
    for i in 1..=3 {
        append(&log, i);
    }
    log.sync_to(3).unwrap();
    append(&log, 4);
    disk.fail_syncs(true);
    assert!(log.sync_to(4).is_err());
    disk.fail_syncs(false);
    assert!(matches!(log.sync_to(4), Err(Error::Failed(_))));
    assert!(matches!(log.append(0, b"x"), Err(Error::Failed(ref why)) if why.contains("fsync")));
    assert_eq!(log.durable_lsn(), 3);
    disk.crash_keeping(0);
    drop(log);
    let (_, records, _) = open(disk.storage(), 1 << 20).unwrap();
    assert_eq!(records, (1..=3).map(record).collect::<Records>());
}

#[test]
fn a_full_disk_then_space_again() {
    let disk = SimDisk::new(7);
    let (log, _, _) = open(disk.storage(), 200).unwrap();
    let mut appended = Vec::new();
    disk.set_space(Some(500));
    let mut failures = 0;
    for i in 1..=60u64 {
        let (_, kind, payload) = record(i);
        match log.append(kind, &payload) {
            Ok(lsn) => appended.push((lsn, kind, payload)),
            Err(Error::Io { .. }) => failures += 1,
            Err(e) => panic!("{e}"),
        }
        if i == 40 {
            disk.set_space(None);
        }
    }
    assert!(failures > 0);
    log.sync_to(u64::MAX).unwrap();
    let lsns: Vec<Lsn> = appended.iter().map(|r| r.0).collect();
    assert_eq!(
        lsns,
        (1..=appended.len() as u64).collect::<Vec<_>>(),
        "no gaps"
    );
    disk.crash_keeping(0);
    drop(log);
    let (_, records, recovery) = open(disk.storage(), 200).unwrap();
    assert_eq!(records, appended);
    assert_eq!(recovery.cut, None);
}

#[test]
fn group_commit_across_threads() {
    const THREADS: u64 = 8;
    const EACH: u64 = 100;
    let disk = SimDisk::new(8);
    disk.set_sync_delay(Duration::from_micros(500));
    let (log, _, _) = open(disk.storage(), 4096).unwrap();
    let synced = AtomicU64::new(0);
    let acknowledged: Vec<Vec<(Lsn, Vec<u8>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (log, synced) = (&log, &synced);
                s.spawn(move || {
                    (0..EACH)
                        .map(|i| {
                            let payload = format!("thread {t} record {i}").into_bytes();
                            let lsn = log.append(t as u8, &payload).unwrap();
                            log.sync_to(lsn).unwrap();
                            assert!(log.durable_lsn() >= lsn);
                            synced.fetch_add(1, Ordering::Relaxed);
                            (lsn, payload)
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let appends = THREADS * EACH;
    let syncs = disk.syncs();
    eprintln!("group commit: {appends} appends, {syncs} syncs");
    assert!(syncs < appends / 2, "{syncs} syncs for {appends} appends");
    disk.crash();
    drop(log);
    let (_, records, _) = open(disk.storage(), 4096).unwrap();
    assert_eq!(records.len() as u64, synced.load(Ordering::Relaxed));
    for (t, thread) in acknowledged.iter().enumerate() {
        for (lsn, payload) in thread {
            let (_, kind, recovered) = &records[*lsn as usize - 1];
            assert_eq!((*kind as usize, recovered), (t, payload));
        }
    }
}

#[test]
fn the_directory_lock_refuses_a_second_open() {
    let disk = SimDisk::new(9);
    let (log, _, _) = open(disk.storage(), 1 << 20).unwrap();
    assert!(matches!(
        open(disk.storage(), 1 << 20),
        Err(Error::Locked(_))
    ));
    drop(log);
    assert!(open(disk.storage(), 1 << 20).is_ok());
}

/// A directory under the temp dir, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tailsampling-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn fs_storage_round_trip_lock_and_torn_tail() {
    let dir = TempDir::new("durable-fs");
    let (log, records, _) = open(FsStorage::new(&dir.0).unwrap(), 256).unwrap();
    assert!(records.is_empty());
    for i in 1..=100 {
        append(&log, i);
    }
    log.sync_to(100).unwrap();
    assert!(log.remove_before(20).unwrap() > 0);
    let first_kept = {
        let mut names: Vec<_> = std::fs::read_dir(&dir.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".wal"))
            .collect();
        names.sort();
        names[0][..20].parse::<Lsn>().unwrap()
    };
    assert!(first_kept <= 20);
    // A second live log on the same directory is refused.
    assert!(matches!(
        open(FsStorage::new(&dir.0).unwrap(), 256),
        Err(Error::Locked(_))
    ));
    let last = segment_name(
        std::fs::read_dir(&dir.0)
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                name.strip_suffix(".wal")?.parse().ok()
            })
            .max()
            .unwrap(),
    );
    drop(log);
    // A torn tail: half a record's header.
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.0.join(&last))
        .unwrap()
        .write_all(&[9, 0, 0])
        .unwrap();
    let (log, records, recovery) = open(FsStorage::new(&dir.0).unwrap(), 256).unwrap();
    assert_eq!(records, (first_kept..=100).map(record).collect::<Records>());
    let cut = recovery.cut.expect("the torn tail is cut");
    assert_eq!(
        (cut.segment, cut.bytes, cut.reason),
        (last, 3, Reason::TornHeader)
    );
    assert_eq!(append(&log, 101), 101);
    assert!(matches!(
        log.append(0, &vec![0; MAX_BODY]),
        Err(Error::TooLarge(_))
    ));
}
