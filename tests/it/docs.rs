//! The documents that restate a list of the code are checked against it here: the processor
//! options (`Options::NAMES`) in docs/options.md, in the C header's `ts_processor_new` and in
//! the Python `Processor` docstrings.

use tailsampling::Options;

/// A file of the repository, by its path from the root.
fn read(path: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    std::fs::read_to_string(format!("{root}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The option names of docs/options.md: its table rows that start with `` | `name` | ``.
fn documented(options_md: &str) -> Vec<&str> {
    options_md
        .lines()
        .filter_map(|line| line.strip_prefix("| `")?.split_once("` |"))
        .map(|(name, _)| name)
        .collect()
}

#[test]
fn options_md_lists_every_option_and_no_other() {
    let text = read("docs/options.md");
    let documented = documented(&text);
    for name in Options::NAMES {
        assert!(
            documented.contains(&name),
            "docs/options.md has no row `| `{name}` |`"
        );
    }
    for name in documented {
        assert!(
            Options::NAMES.contains(&name),
            "docs/options.md documents `{name}`, which is not an option"
        );
    }
}

/// The reference manuals a user reads without the repository's docs name every option too.
#[test]
fn api_docs_name_every_option() {
    let manuals = [
        ("crates/tailsampling-ffi/src/processor.rs", "`"),
        ("python/src/processor.rs", "``"),
        ("python/tailsampling/_tailsampling.pyi", "``"),
    ];
    for (path, quote) in manuals {
        let text = read(path);
        for name in Options::NAMES {
            assert!(
                text.contains(&format!("{quote}{name}{quote}")),
                "{path} does not name the option `{name}`"
            );
        }
    }
}
