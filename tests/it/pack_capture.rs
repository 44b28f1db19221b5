//! The capture file format: round trip, truncation at every byte, bad magic, oversized and
//! lying lengths, bad tokens, and what the writer refuses.

use std::io::Cursor;

use tailsampling_cli::capture::{
    CaptureError, CaptureReader, CaptureWriter, Record, CAPTURE_MAGIC, MAX_PACKET_LEN,
    MAX_TOKEN_LEN,
};

fn records() -> Vec<Record> {
    vec![
        Record {
            token: Some("tkn_tenant_01".into()),
            packet: b"\x08\x01\x12\x02t1".to_vec(),
        },
        Record {
            token: None,
            packet: vec![0xab; 1000],
        },
        Record {
            token: Some("tkn_ünïcode".into()),
            packet: Vec::new(),
        },
    ]
}

fn write(records: &[Record]) -> Vec<u8> {
    let mut w = CaptureWriter::new(Vec::new()).expect("magic");
    for r in records {
        w.write(r.token.as_deref(), &r.packet).expect("write");
    }
    let (n, bytes) = (w.records(), w.bytes());
    let out = w.finish().expect("flush");
    assert_eq!(n, records.len() as u64);
    assert_eq!(bytes, out.len() as u64);
    out
}

fn read_all(bytes: &[u8]) -> Result<Vec<Record>, CaptureError> {
    CaptureReader::new(Cursor::new(bytes))?.collect()
}

#[test]
fn round_trip() {
    let recs = records();
    let bytes = write(&recs);
    assert_eq!(&bytes[..7], CAPTURE_MAGIC);
    assert_eq!(&bytes[..7], b"TSCAP1\n");
    // The layout, spelled out for the first record.
    assert_eq!(&bytes[7..11], &13u32.to_le_bytes());
    assert_eq!(&bytes[11..24], b"tkn_tenant_01");
    assert_eq!(&bytes[24..28], &6u32.to_le_bytes());
    assert_eq!(&bytes[28..34], b"\x08\x01\x12\x02t1");
    assert_eq!(&bytes[34..38], &0u32.to_le_bytes());
    assert_eq!(read_all(&bytes).expect("reads"), recs);

    // An empty capture is just the magic.
    let empty = write(&[]);
    assert_eq!(empty, CAPTURE_MAGIC);
    assert_eq!(read_all(&empty).expect("reads"), vec![]);
}

#[test]
fn empty_token_means_none() {
    let mut w = CaptureWriter::new(Vec::new()).expect("magic");
    w.write(Some(""), b"p").expect("write");
    let bytes = w.finish().expect("flush");
    let got = read_all(&bytes).expect("reads");
    assert_eq!(
        got,
        vec![Record {
            token: None,
            packet: b"p".to_vec()
        }]
    );
}

#[test]
fn truncation_at_every_byte() {
    let recs = records();
    let bytes = write(&recs);
    // Record boundaries: after the magic and after each record.
    let mut boundaries = vec![7usize];
    for r in &recs {
        let last = *boundaries.last().expect("non-empty");
        boundaries.push(last + 8 + r.token.as_ref().map_or(0, String::len) + r.packet.len());
    }
    assert_eq!(*boundaries.last().expect("non-empty"), bytes.len());

    for cut in 7..bytes.len() {
        let mut reader = CaptureReader::new(Cursor::new(&bytes[..cut])).expect("magic");
        let complete = boundaries.iter().filter(|&&b| b <= cut).count() - 1;
        for want in &recs[..complete] {
            assert_eq!(
                &reader.next().expect("record").expect("ok"),
                want,
                "cut {cut}"
            );
        }
        if boundaries.contains(&cut) {
            assert!(reader.next().is_none(), "clean end at {cut}");
            continue;
        }
        match reader.next() {
            Some(Err(CaptureError::Truncated {
                record,
                offset,
                missing,
                ..
            })) => {
                assert_eq!(record, complete as u64, "cut {cut}");
                assert!(offset >= boundaries[complete] as u64 && offset <= cut as u64);
                assert!(missing > 0);
            }
            other => panic!("cut {cut}: expected Truncated, got {other:?}"),
        }
        assert!(reader.next().is_none(), "fused after an error");
    }
}

#[test]
fn truncation_error_names_the_part() {
    let bytes = write(&records());
    // Inside the second record's packet (record 1 starts at byte 34).
    let err = read_all(&bytes[..34 + 8 + 10]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "capture record 1 at byte 42: truncated packet (990 byte(s) missing)"
    );
    // Inside the first record's packet length.
    let err = read_all(&bytes[..26]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "capture record 0 at byte 24: truncated packet length (2 byte(s) missing)"
    );
}

#[test]
fn bad_magic() {
    for bytes in [&b""[..], b"TSCAP", b"TSCAP2\n", b"tscap1\n", b"\x0a\x03abc"] {
        assert!(
            matches!(
                CaptureReader::new(Cursor::new(bytes)),
                Err(CaptureError::BadMagic)
            ),
            "{bytes:?}"
        );
    }
}

#[test]
fn oversized_lengths_are_refused_without_allocating() {
    // A token length of 4 GiB - 1 right after the magic.
    let mut bytes = CAPTURE_MAGIC.to_vec();
    bytes.extend(u32::MAX.to_le_bytes());
    let err = read_all(&bytes).unwrap_err();
    assert!(
        matches!(
            err,
            CaptureError::TooLong {
                record: 0,
                offset: 7,
                part: "token",
                len: 0xffff_ffff,
                cap
            } if cap == u64::from(MAX_TOKEN_LEN)
        ),
        "{err}"
    );

    // The second record's packet length is over the cap.
    let mut bytes = write(&records()[..1]);
    bytes.extend(0u32.to_le_bytes());
    bytes.extend((MAX_PACKET_LEN + 1).to_le_bytes());
    let err = read_all(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "capture record 1 at byte 38: packet length {} exceeds the limit of {MAX_PACKET_LEN} bytes",
            MAX_PACKET_LEN + 1
        )
    );

    // A length under the cap but past the end of the file: truncated, and only the bytes
    // that exist are read.
    let mut bytes = CAPTURE_MAGIC.to_vec();
    bytes.extend(0u32.to_le_bytes());
    bytes.extend(MAX_PACKET_LEN.to_le_bytes());
    bytes.extend(b"tiny");
    let err = read_all(&bytes).unwrap_err();
    assert!(
        matches!(
            err,
            CaptureError::Truncated { record: 0, offset: 15, part: "packet", missing }
                if missing == u64::from(MAX_PACKET_LEN) - 4
        ),
        "{err}"
    );
}

#[test]
fn custom_packet_cap() {
    let bytes = write(&records());
    let reader = CaptureReader::new(Cursor::new(&bytes))
        .expect("magic")
        .with_max_packet_len(999);
    let got: Vec<_> = reader.collect();
    assert_eq!(got.len(), 2);
    assert!(got[0].is_ok());
    assert!(matches!(
        got[1],
        Err(CaptureError::TooLong {
            record: 1,
            part: "packet",
            len: 1000,
            cap: 999,
            ..
        })
    ));
}

#[test]
fn token_must_be_utf8() {
    let mut bytes = CAPTURE_MAGIC.to_vec();
    bytes.extend(2u32.to_le_bytes());
    bytes.extend([0xc3, 0x28]);
    bytes.extend(0u32.to_le_bytes());
    let err = read_all(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "capture record 0 at byte 11: the token is not valid UTF-8"
    );
}

#[test]
fn writer_refuses_what_the_reader_would() {
    let mut w = CaptureWriter::new(Vec::new()).expect("magic");
    w.write(Some("t"), b"ok").expect("write");
    let long = "x".repeat(MAX_TOKEN_LEN as usize + 1);
    let err = w.write(Some(&long), b"p").unwrap_err();
    assert!(
        matches!(
            err,
            CaptureError::TooLong {
                record: 1,
                offset: 18,
                part: "token",
                ..
            }
        ),
        "{err}"
    );
    // Nothing was written: the file still reads as one record.
    assert_eq!(w.records(), 1);
    let bytes = w.finish().expect("flush");
    assert_eq!(bytes.len(), 18);
    assert_eq!(read_all(&bytes).expect("reads").len(), 1);

    // A token of exactly the cap is fine.
    let at_cap = "y".repeat(MAX_TOKEN_LEN as usize);
    let bytes = write(&[Record {
        token: Some(at_cap.clone()),
        packet: b"p".to_vec(),
    }]);
    assert_eq!(read_all(&bytes).expect("reads")[0].token, Some(at_cap));
}

#[test]
fn io_errors_name_the_record() {
    #[derive(Debug)]
    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let err = CaptureReader::new(Failing).unwrap_err();
    assert_eq!(err.to_string(), "capture record 0 at byte 0: disk on fire");

    // Failing in the middle of the second record's packet length.
    let mut bytes = write(&records()[..1]);
    bytes.extend(1u32.to_le_bytes());
    bytes.push(b't');
    let mut reader =
        CaptureReader::new(std::io::Read::chain(Cursor::new(bytes), Failing)).expect("magic");
    assert!(reader.next().expect("first").is_ok());
    let err = reader.next().expect("second").unwrap_err();
    assert_eq!(err.to_string(), "capture record 1 at byte 39: disk on fire");
    assert!(reader.next().is_none());
}
