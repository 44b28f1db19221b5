//! The write-ahead log's recovery (`tailsampling::durable`): arbitrary bytes as the content of a
//! segment never panic, the records recovered re-encode to a prefix of the input, whatever
//! follows that prefix is cut and counted, and the log then appends after the valid records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tailsampling::durable::{segment_name, Log, Reader, Record, SimDisk, Storage, StorageFile};

fuzz_target!(|bytes: &[u8]| {
    let disk = SimDisk::new(1);
    let storage = disk.storage();
    let name = segment_name(1);
    let file = storage.create(&name).unwrap();
    file.append(bytes).unwrap();
    file.sync().unwrap();
    drop((file, storage));

    let mut encoded = Vec::new();
    let mut next = 1;
    let (log, recovery) = Log::open(disk.storage(), 1 << 20, |lsn, record| {
        assert_eq!(lsn, next);
        next += 1;
        record.encode(&mut encoded);
    })
    .unwrap();
    assert!(
        bytes.starts_with(&encoded),
        "recovered records are not a prefix"
    );
    assert_eq!(recovery.bytes, encoded.len() as u64);
    assert_eq!(recovery.records, next - 1);
    match &recovery.cut {
        Some(cut) => {
            assert_eq!(cut.offset, encoded.len());
            assert_eq!(cut.bytes, (bytes.len() - encoded.len()) as u64);
        }
        None => assert_eq!(encoded.len(), bytes.len()),
    }
    // The reader agrees with recovery.
    let mut reader = Reader::new(bytes);
    assert_eq!(reader.by_ref().count() as u64, recovery.records);
    assert_eq!(
        reader.stop().map(|s| s.offset),
        recovery.cut.as_ref().map(|c| c.offset)
    );

    // The log goes on after the valid records.
    assert_eq!(log.append(7, b"after").unwrap(), next);
    log.sync_to(next).unwrap();
    drop(log);
    let mut last = None;
    Log::open(disk.storage(), 1 << 20, |lsn, record: Record<'_>| {
        last = Some((lsn, record.kind, record.payload.to_vec()))
    })
    .unwrap();
    assert_eq!(last, Some((next, 7, b"after".to_vec())));
});
