//! Writes the capture file of `make bench-compare` (bindings/go/benchcompare): generated
//! multi-tenant traces and logging groups, like `tailsampling gen`, but with the share of zstd
//! payloads the side-by-side benchmark specifies (30%) and no RUM sessions.
//!
//! ```sh
//! cargo run --release --example bench_workload -- --out FILE [--seed N] [--tenants N]
//!     [--traces N] [--log-groups N] [--zstd-share F]
//! ```

use std::io::BufWriter;
use std::process::ExitCode;

use tailsampling_cli::capture::CaptureWriter;
use tailsampling_cli::workload::{generate, WorkloadSpec};

fn main() -> ExitCode {
    let mut spec = WorkloadSpec {
        tenants: 5,
        traces: 20_000,
        log_groups: 200,
        rum_sessions: 0,
        zstd_share: 0.3,
        ..WorkloadSpec::default()
    };
    let mut out = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let (flag, value) = (pair[0].as_str(), pair.get(1).map(String::as_str));
        let Some(value) = value else {
            eprintln!("bench_workload: {flag} takes a value");
            return ExitCode::from(2);
        };
        let parsed = match flag {
            "--out" => {
                out = Some(value.to_owned());
                Ok(())
            }
            "--seed" => value.parse().map(|v| spec.seed = v).map_err(|_| ()),
            "--tenants" => value.parse().map(|v| spec.tenants = v).map_err(|_| ()),
            "--traces" => value.parse().map(|v| spec.traces = v).map_err(|_| ()),
            "--log-groups" => value.parse().map(|v| spec.log_groups = v).map_err(|_| ()),
            "--zstd-share" => value.parse().map(|v| spec.zstd_share = v).map_err(|_| ()),
            _ => {
                eprintln!("bench_workload: unknown option {flag}");
                return ExitCode::from(2);
            }
        };
        if parsed.is_err() {
            eprintln!("bench_workload: bad value for {flag}: {value}");
            return ExitCode::from(2);
        }
    }
    let Some(out) = out else {
        eprintln!("bench_workload: --out FILE is required");
        return ExitCode::from(2);
    };

    let events = generate(&spec);
    let written = std::fs::File::create(&out)
        .map_err(|e| e.to_string())
        .and_then(|file| {
            let mut writer = CaptureWriter::new(BufWriter::new(file)).map_err(|e| e.to_string())?;
            for event in &events {
                writer
                    .write(Some(&event.token), &event.packet)
                    .map_err(|e| e.to_string())?;
            }
            let (records, bytes) = (writer.records(), writer.bytes());
            writer.finish().map_err(|e| e.to_string())?;
            Ok((records, bytes))
        });
    match written {
        Ok((records, bytes)) => {
            println!(
                "wrote {records} records ({bytes} bytes) to {out}: seed {}, {} tenants, {} traces, \
                 {} log groups, zstd share {}",
                spec.seed, spec.tenants, spec.traces, spec.log_groups, spec.zstd_share
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench_workload: cannot write {out}: {e}");
            ExitCode::FAILURE
        }
    }
}
