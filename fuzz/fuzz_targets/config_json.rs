//! Config JSON: `config::Config::from_json` never panics; a rejected config names at least one
//! error; an accepted one is well-formed (TTLs within `MAX_TTL`, one trace dimension, rates in
//! (0, 1] with their exact threshold, conditions that compile again from their source); and
//! `validate_config` without a schema is `ok` exactly when the engine accepts the config. The
//! engine's options parser (`Options::from_json`) gets the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tailsampling::config::{
    sample_threshold, Config, DataType, Rule, Severity, MAX_TTL, SAMPLE_RANGE,
};
use tailsampling::filter::Condition;
use tailsampling::{validate_config, Options};

fn check_accepted(config: &Config) {
    for dt in DataType::ALL {
        let Some(section) = config.section(dt) else {
            continue;
        };
        assert!(section.data_ttl.is_none_or(|ttl| ttl <= MAX_TTL));
        if dt == DataType::Tracing {
            assert_eq!(section.dimensions.len(), 1);
            assert_eq!(section.dimensions[0].group_key, "");
        }
        for pipeline in section.dimensions.iter().flat_map(|d| &d.pipelines) {
            if let Rule::Probabilistic {
                rate, threshold, ..
            } = &pipeline.rule
            {
                assert!(*rate > 0.0 && *rate <= 1.0, "rate {rate}");
                assert_eq!(*threshold, sample_threshold(*rate));
                assert!(*threshold <= SAMPLE_RANGE);
            }
            if let Some(condition) = pipeline.condition() {
                let again = Condition::compile(condition.source()).expect("compiles again");
                assert_eq!(again.keys(), condition.keys());
            }
        }
    }
}

fuzz_target!(|json: &[u8]| {
    let parsed = Config::from_json(json);
    match &parsed {
        Ok(p) => {
            check_accepted(&p.config);
            assert!(p.warnings.iter().all(|d| d.severity == Severity::Warning));
        }
        Err(e) => assert!(e.errors().next().is_some(), "rejected without an error"),
    }
    // Without a schema, the checker fails exactly the configs the engine refuses, and those
    // it accepts with a warning about a construct that can never work (a defect).
    let report = validate_config(json, None).expect("no schema, no schema error");
    let clean = matches!(&parsed, Ok(p) if p.warnings.iter().all(|d| !d.defect));
    assert_eq!(
        report.ok, clean,
        "validate_config disagrees with the engine's errors and defects"
    );
    let _ = report.to_json().to_string();

    let _ = Options::from_json(json);
});
