//! `tailsampling demo` and `tailsampling replay`: traffic (generated, or read from a capture
//! file) through the engine on a simulated clock, and the report of [`sim`](super::sim).

use super::sim::{report, Sim};
use super::{errln, print_diagnostic, progress, usage_error, Io, FAILURE, SUCCESS, USAGE_ERROR};
use crate::capture::CaptureReader;
use crate::workload::{generate, WorkloadSpec};
use tailsampling::config::Config;
use tailsampling::wire::PacketRef;

/// The config the demo pushes to every tenant (also `examples/config.json`).
const DEMO_CONFIG: &[u8] = include_bytes!("../../../examples/config.json");

/// Runs `demo` with `args` (after the command name).
pub(super) fn demo(args: &[String], io: &mut Io<'_>) -> u8 {
    let mut spec = WorkloadSpec {
        tenants: 4,
        traces: 3000,
        log_groups: 60,
        rum_sessions: 120,
        ..WorkloadSpec::default()
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = it.next().map(|v| v.parse::<u64>());
        let Some(Ok(n)) = value else {
            return usage_error(io, &format!("{arg} takes a number"));
        };
        match arg.as_str() {
            "--seed" => spec.seed = n,
            "--tenants" => spec.tenants = n as usize,
            "--traces" => spec.traces = n as usize,
            a => return usage_error(io, &format!("unknown demo option {a}")),
        }
    }
    let events = generate(&spec);
    let first = events.first().map_or(0, |e| e.at_ns);
    let mut sim = Sim::new(DEMO_CONFIG.to_vec(), first);
    let bar = progress(io, events.len() as u64);
    for e in &events {
        sim.feed(e.at_ns, Some(&e.token), &e.packet);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let title = format!(
        "tailsampling demo: {} tenants, {} traces, {} log groups, {} RUM sessions (seed {}), config examples/config.json",
        spec.tenants, spec.traces, spec.log_groups, spec.rum_sessions, spec.seed
    );
    finish_run(io, sim, &title, first)
}

/// Runs `replay` with `args` (after the command name).
pub(super) fn replay(args: &[String], io: &mut Io<'_>) -> u8 {
    let (mut config, mut input) = (None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match (arg.as_str(), it.next()) {
            ("--config", Some(v)) => config = Some(v.clone()),
            ("--input", Some(v)) => input = Some(v.clone()),
            (a, _) => return usage_error(io, &format!("replay: unexpected {a}")),
        }
    }
    let (Some(config), Some(input)) = (config, input) else {
        return usage_error(io, "replay needs --config CONFIG and --input FILE");
    };
    let cfg = match std::fs::read(&config) {
        Ok(b) => b,
        Err(e) => {
            errln!(io, "tailsampling: cannot read {config}: {e}");
            return USAGE_ERROR;
        }
    };
    if let Err(e) = Config::from_json(&cfg) {
        for d in &e.diagnostics {
            print_diagnostic(io, &config, d);
        }
        return FAILURE;
    }
    let file = match std::fs::File::open(&input) {
        Ok(f) => f,
        Err(e) => {
            errln!(io, "tailsampling: cannot open {input}: {e}");
            return USAGE_ERROR;
        }
    };
    let bar = progress(io, file.metadata().map_or(0, |m| m.len()));
    let reader = match CaptureReader::new(std::io::BufReader::new(file)) {
        Ok(r) => r,
        Err(e) => {
            errln!(io, "tailsampling: {input}: {e}");
            return USAGE_ERROR;
        }
    };
    let mut sim: Option<Sim> = None;
    let mut first = 0;
    for record in reader {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errln!(io, "tailsampling: {input}: {e}");
                return USAGE_ERROR;
            }
        };
        // Captures carry no arrival time: packets arrive at their own latest point time.
        let at = PacketRef::decode(&record.packet)
            .map(|p| p.max_point_time_unix_nano.max(p.trace_end_time_unix_nano))
            .unwrap_or(0);
        let sim = sim.get_or_insert_with(|| {
            first = at;
            Sim::new(cfg.clone(), at)
        });
        sim.feed(at, record.token.as_deref(), &record.packet);
        bar.inc(record.packet.len() as u64 + 8);
    }
    bar.finish_and_clear();
    let Some(sim) = sim else {
        errln!(io, "tailsampling: {input}: no records");
        return USAGE_ERROR;
    };
    finish_run(
        io,
        sim,
        &format!("tailsampling replay of {input} with {config}"),
        first,
    )
}

/// Prints the report; [`FAILURE`] if the conservation identity does not hold.
fn finish_run(io: &mut Io<'_>, mut sim: Sim, title: &str, first_ns: i64) -> u8 {
    let stats = sim.finish();
    let simulated =
        std::time::Duration::from_nanos(u64::try_from(sim.now() - first_ns).unwrap_or(0));
    let report = report(title, &sim.tally, &stats, simulated);
    let _ = write!(io.stdout, "{report}");
    if report.contains("MISMATCH") {
        FAILURE
    } else {
        SUCCESS
    }
}
