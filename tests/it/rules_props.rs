//! Schemas and configs are user input: `Schema::parse` and `validate_config` never panic, and
//! what they report is well-formed (positions inside the condition, paths of the document,
//! `ok` exactly when there is no error).

use proptest::prelude::*;
use tailsampling::config::Severity;
use tailsampling::schema::Schema;

const SCHEMA: &[u8] = br#"{"tracing": {"status": "tag", "duration": "int", "ratio": "float",
    "keep": "bool", "count": "uint", "blob": "bytes", "msg": "string"}}"#;

/// Tokens of the condition language, valid and not, to build conditions from.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "{}",
    ";",
    ",",
    "(",
    ")",
    "status",
    "duration",
    "ratio",
    "keep",
    "count",
    "blob",
    "msg",
    "nope",
    "`a.b`",
    "a.b",
    "=",
    "==",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "IN",
    "NOTIN",
    "MATCH",
    "NOTMATCH",
    "[",
    "]",
    "\"x\"",
    "\"304\"",
    "\"5..\"",
    "\"[0-9]{3}\"",
    "\"(\"",
    "\"a|b.\"",
    "304",
    "-1",
    "1.5",
    "2e3",
    "true",
    "false",
    "nil",
    "re(\"[45]..\")",
    "AND",
    "OR",
    "&&",
    "||",
    "1 = 1",
    "1 = 2",
    "#c\n",
    "\n",
];

/// A string literal of the condition language holding `s`.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn config_with(conditions: &[String]) -> Vec<u8> {
    let pipelines: Vec<serde_json::Value> = conditions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i % 3 == 2 {
                serde_json::json!({"name": format!("p{}", i % 2), "type": "probabilistic", "rate": 0.5, "condition": c})
            } else {
                serde_json::json!({"name": format!("p{}", i % 2), "type": "condition", "condition": c, "action": "keep"})
            }
        })
        .collect();
    serde_json::json!({"version": 1, "trace": {"pipelines": pipelines}})
        .to_string()
        .into_bytes()
}

fn well_formed(config: &[u8], conditions: &[String], schema: Option<&[u8]>) {
    let report = tailsampling::validate_config(config, schema).expect("the schema parses");
    assert_eq!(
        report.ok,
        report
            .findings
            .iter()
            .all(|d| d.severity != Severity::Error)
    );
    for d in &report.findings {
        if let (Some(line), Some(column)) = (d.line, d.column) {
            let index: usize = d
                .path
                .strip_prefix("trace.pipelines[")
                .and_then(|rest| rest.strip_suffix("].condition"))
                .and_then(|i| i.parse().ok())
                .unwrap_or_else(|| panic!("a position outside a condition: {d}"));
            let source = &conditions[index];
            let text_line = source
                .split('\n')
                .nth(line - 1)
                .unwrap_or_else(|| panic!("{d}: no line {line} in {source:?}"));
            assert!(
                column >= 1 && column <= text_line.chars().count() + 1,
                "{d}: column {column} outside {text_line:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_as_a_schema(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Schema::parse(&bytes);
    }

    #[test]
    fn schema_like_text(parts in proptest::collection::vec(prop::sample::select(&[
        "CREATE", "TABLE", "spans", "logs", "rum", "x", "(", ")", ",", ";", "INT", "TEXT", "TAG",
        "UNSIGNED", "Nullable(", "JSONB", "PRIMARY KEY", "--c\n", "{", "}", "\"tracing\"", ":",
        "\"int\"", "\"a\"", "[", "]", "'", "\"",
    ][..]), 0..40)) {
        let _ = Schema::parse(parts.join(" ").as_bytes());
    }

    #[test]
    fn any_bytes_as_a_config(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let report = tailsampling::validate_config(&bytes, Some(SCHEMA)).expect("schema");
        prop_assert!(!report.ok || serde_json::from_slice::<serde_json::Value>(&bytes).is_ok());
    }

    #[test]
    fn token_soup_conditions(conditions in proptest::collection::vec(
        proptest::collection::vec(prop::sample::select(TOKENS), 0..24).prop_map(|t| t.join(" ")),
        1..5,
    )) {
        let config = config_with(&conditions);
        well_formed(&config, &conditions, Some(SCHEMA));
        well_formed(&config, &conditions, None);
    }

    #[test]
    fn any_regex_in_match_and_re(regex in "[-a-z0-9^$.*+?()\\[\\]{}|\\\\,:é ]{0,24}") {
        let conditions = vec![
            format!("{{ status MATCH [{}] }}", quoted(&regex)),
            format!("{{ msg = re({}) }}", quoted(&regex)),
            format!("{{ duration NOTMATCH [{}, \"x\"] }}", quoted(&regex)),
        ];
        let config = config_with(&conditions);
        well_formed(&config, &conditions, Some(SCHEMA));
    }
}
