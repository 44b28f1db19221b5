//! Write-ahead log benchmark (`tailsampling::durable`) on the file system, against floors
//! measured in the same run in the same directory: plain `write` calls on one file (the cost of
//! the bytes alone) and `write` + `fdatasync` per record (the cost of durability alone).
//!
//! Prints records/s and MB/s for:
//!
//! - `log append`: appends without syncs, vs the write floor (`append_vs_write`);
//! - `log append+sync, 1 thread`: a sync after every record, vs the write+fdatasync floor
//!   (`synced_vs_fdatasync`; 1.0 would cost nothing beyond the fsync itself);
//! - `log append+sync, N threads`: the same from N threads, whose syncs the log groups
//!   (`group_commit_vs_1_thread`);
//! - `log append, sync every 100 ms`: the shape of a batched durability mode.
//!
//! `cargo bench -p tailsampling-tests --bench wal` (option: `-- --dir DIR`, the directory on
//! the disk to measure, default the system's temporary directory; the bench works in a
//! subdirectory of its own, removed afterwards).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tailsampling::durable::{FsStorage, Log};

const SEGMENT_BYTES: u64 = 64 << 20;
/// Synced records per measurement (ten times as many for the unsynced ones).
const RECORDS: usize = 2000;
/// The size of a record on disk, framing included.
const BYTES: usize = 512;
/// Writers sharing syncs in the group-commit measurement.
const THREADS: usize = 8;

/// The directory to measure in, made (and removed afterwards) under `-- --dir DIR`, else
/// under the system's temporary directory.
fn dir() -> PathBuf {
    let args: Vec<String> = std::env::args().collect();
    let parent = match args.iter().position(|a| a == "--dir") {
        Some(i) => PathBuf::from(args.get(i + 1).expect("--dir DIR")),
        None => std::env::temp_dir(),
    };
    parent.join(format!("tailsampling-wal-bench-{}", std::process::id()))
}

/// A fresh, empty directory `name` under `root`.
fn fresh(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the bench directory");
    dir
}

fn report(what: &str, records: usize, bytes: usize, took: Duration) -> f64 {
    let per_sec = records as f64 / took.as_secs_f64();
    println!(
        "{what:<40} {per_sec:>12.0} records/s {:>9.1} MB/s",
        per_sec * bytes as f64 / 1e6
    );
    per_sec
}

/// Plain writes of `records` records of `bytes` bytes, each followed by `fdatasync` if `sync`.
fn floor(dir: &Path, records: usize, bytes: usize, sync: bool) -> Duration {
    let mut f: File = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("floor"))
        .expect("open the floor file");
    let record = vec![0x5a; bytes];
    let start = Instant::now();
    for _ in 0..records {
        f.write_all(&record).expect("write");
        if sync {
            f.sync_data().expect("fdatasync");
        }
    }
    start.elapsed()
}

fn open(dir: &Path) -> Log<FsStorage> {
    let storage = FsStorage::new(dir).expect("the log's directory");
    Log::open(storage, SEGMENT_BYTES, |_, _| {})
        .expect("open the log")
        .0
}

fn main() {
    let root = dir();
    std::fs::create_dir_all(&root).expect("create the bench directory");
    // The payload of a record is `bytes` minus the framing (9 bytes: len, crc, kind), so that
    // the log and the floors write the same bytes.
    let payload = vec![0x5a; BYTES.saturating_sub(9)];
    println!(
        "{} records of {} bytes in {} ({} threads for group commit)",
        RECORDS,
        BYTES,
        root.display(),
        THREADS
    );

    let write = floor(&fresh(&root, "write"), RECORDS * 10, BYTES, false);
    let write_rate = report("floor: write", RECORDS * 10, BYTES, write);
    let log = open(&fresh(&root, "append"));
    let start = Instant::now();
    for _ in 0..RECORDS * 10 {
        log.append(1, &payload).expect("append");
    }
    let append_rate = report("log append", RECORDS * 10, BYTES, start.elapsed());
    drop(log);

    let synced = floor(&fresh(&root, "fdatasync"), RECORDS, BYTES, true);
    let fdatasync_rate = report("floor: write+fdatasync", RECORDS, BYTES, synced);
    let log = open(&fresh(&root, "synced"));
    let start = Instant::now();
    for _ in 0..RECORDS {
        let lsn = log.append(1, &payload).expect("append");
        log.sync_to(lsn).expect("sync");
    }
    let synced_rate = report("log append+sync, 1 thread", RECORDS, BYTES, start.elapsed());
    drop(log);

    let log = open(&fresh(&root, "group"));
    let per_thread = RECORDS.div_ceil(THREADS);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..per_thread {
                    let lsn = log.append(1, &payload).expect("append");
                    log.sync_to(lsn).expect("sync");
                }
            });
        }
    });
    let group_rate = report(
        &format!("log append+sync, {} threads", THREADS),
        per_thread * THREADS,
        BYTES,
        start.elapsed(),
    );
    drop(log);

    let log = open(&fresh(&root, "batch"));
    let interval = Duration::from_millis(100);
    let start = Instant::now();
    let mut last = start;
    for _ in 0..RECORDS * 10 {
        let lsn = log.append(1, &payload).expect("append");
        if last.elapsed() >= interval {
            log.sync_to(lsn).expect("sync");
            last = Instant::now();
        }
    }
    log.sync_to(log.next_lsn() - 1).expect("sync");
    let batch_rate = report(
        "log append, sync every 100 ms",
        RECORDS * 10,
        BYTES,
        start.elapsed(),
    );
    drop(log);
    let _ = std::fs::remove_dir_all(&root);

    println!("append_vs_write: {:.2}", append_rate / write_rate);
    println!("synced_vs_fdatasync: {:.2}", synced_rate / fdatasync_rate);
    println!("group_commit_vs_1_thread: {:.2}", group_rate / synced_rate);
    println!("batch_vs_write: {:.2}", batch_rate / write_rate);
}
