//! `tailsampling gen`: writes a capture file of [`workload::generate`](crate::workload::generate)
//! traffic and a one-line summary.

use std::io::Write;

use super::{errln, outln, usage_error, Io, SUCCESS, USAGE_ERROR};
use crate::capture::{CaptureError, CaptureWriter};
use crate::workload::{generate, Event, WorkloadSpec};
use tailsampling::wire::DataType;
use tailsampling::wire::{PacketRef, COMPRESSION_ZSTD};

/// Runs `gen` with `args` (after the command name).
pub(super) fn gen(args: &[String], io: &mut Io<'_>) -> u8 {
    let mut spec = WorkloadSpec::default();
    let mut out: Option<String> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let arg = arg.as_str();
        if arg == "--out" {
            match it.next() {
                Some(path) => out = Some(path.clone()),
                None => return usage_error(io, "--out takes a FILE"),
            }
            continue;
        }
        let target = match arg {
            "--tenants" => &mut spec.tenants,
            "--traces" => &mut spec.traces,
            "--log-groups" => &mut spec.log_groups,
            "--rum-sessions" => &mut spec.rum_sessions,
            "--zstd-share" => match it.next().map(|v| v.parse::<f64>()) {
                Some(Ok(share)) if (0.0..=1.0).contains(&share) => {
                    spec.zstd_share = share;
                    continue;
                }
                _ => return usage_error(io, "--zstd-share takes a number from 0 to 1"),
            },
            "--seed" => match it.next().map(|v| v.parse()) {
                Some(Ok(seed)) => {
                    spec.seed = seed;
                    continue;
                }
                _ => return usage_error(io, "--seed takes an unsigned integer"),
            },
            a if a.starts_with("--") => return usage_error(io, &format!("unknown option {a}")),
            a => return usage_error(io, &format!("unexpected argument {a}")),
        };
        match it.next().map(|v| v.parse()) {
            Some(Ok(n)) => *target = n,
            _ => return usage_error(io, &format!("{arg} takes a count")),
        }
    }
    let to_stdout = match out.as_deref() {
        Some("-") => true,
        Some(_) => false,
        None if io.stdout_is_terminal => {
            return usage_error(
                io,
                "refusing to write a binary capture to a terminal; use --out FILE",
            )
        }
        None => true,
    };
    let path = out.unwrap_or_else(|| "-".to_owned());

    let events = generate(&spec);
    let written = if to_stdout {
        write_capture(&mut *io.stdout, &events)
    } else {
        match std::fs::File::create(&path) {
            Ok(file) => write_capture(std::io::BufWriter::new(file), &events),
            Err(e) => {
                errln!(io, "tailsampling: cannot create {path}: {e}");
                return USAGE_ERROR;
            }
        }
    };
    let (records, bytes) = match written {
        Ok(n) => n,
        Err(e) => {
            errln!(io, "tailsampling: cannot write {path}: {e}");
            return USAGE_ERROR;
        }
    };

    let count = |t: DataType| events.iter().filter(|e| e.data_type == t).count();
    let late = events.iter().filter(|e| e.late).count();
    let zstd = events
        .iter()
        .filter(|e| {
            PacketRef::decode(&e.packet).is_ok_and(|p| p.payload_compression == COMPRESSION_ZSTD)
        })
        .count();
    let summary = format!(
        "wrote {records} records ({bytes} bytes) to {path}: {} tracing, {} logging, {} rum packets, \
         {zstd} zstd, {late} late; seed {}, {} tenants",
        count(DataType::Tracing),
        count(DataType::Logging),
        count(DataType::Rum),
        spec.seed,
        spec.tenants,
    );
    // With the capture on standard output, the summary goes to standard error.
    if to_stdout {
        errln!(io, "{summary}");
    } else {
        outln!(io, "{summary}");
    }
    SUCCESS
}

/// Writes `events` as a capture file; returns the records and bytes written.
fn write_capture<W: Write>(out: W, events: &[Event]) -> Result<(u64, u64), CaptureError> {
    let mut writer = CaptureWriter::new(out)?;
    for event in events {
        writer.write(Some(&event.token), &event.packet)?;
    }
    let (records, bytes) = (writer.records(), writer.bytes());
    writer.finish()?;
    Ok((records, bytes))
}
