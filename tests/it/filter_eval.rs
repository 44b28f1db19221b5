//! Evaluation semantics of the condition language (docs/protocol.md, "Conditions"): every example of the
//! reference, the reference engine's own test cases, and operator × value type × missing key ×
//! nil tables.

use tailsampling::filter::Condition;
use tailsampling::wire::Value;
use tailsampling::Compat;

type Fields<'a> = &'a [(&'a str, Value<'a>)];

/// Asserts `expected` for every `(condition, expected)` against `fields`; a condition without
/// braces is wrapped in one block. Reports all failures at once.
fn check(fields: Fields<'_>, cases: &[(&str, bool)]) {
    let pairs: Vec<(&[u8], Value<'_>)> = fields.iter().map(|(k, v)| (k.as_bytes(), *v)).collect();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|&(src, expected)| {
            let src = if src.contains('{') {
                src.to_owned()
            } else {
                format!("{{ {src} }}")
            };
            let cond = Condition::compile(&src).unwrap_or_else(|e| panic!("{src}: {e}"));
            let got = cond.eval_fields(&pairs);
            (got != expected).then(|| format!("{src}: expected {expected}, got {got}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "with {fields:?}:\n{}",
        failures.join("\n")
    );
}

#[test]
fn reference_examples() {
    let cond = r#"{ status = "error" }"#;
    check(&[("status", Value::Tag(b"error"))], &[(cond, true)]);
    check(&[("status", Value::Str(b"error"))], &[(cond, true)]);
    check(&[("status", Value::Tag(b"ok"))], &[(cond, false)]);
    check(&[], &[(cond, false)]);

    let cond = r#"{ http_status_code MATCH ["^[45][0-9][0-9]$"] }"#;
    check(&[("http_status_code", Value::Tag(b"404"))], &[(cond, true)]);
    check(&[("http_status_code", Value::Tag(b"503"))], &[(cond, true)]);
    check(
        &[("http_status_code", Value::Tag(b"200"))],
        &[(cond, false)],
    );
    check(
        &[("http_status_code", Value::Tag(b"4040"))],
        &[(cond, false)],
    );
    check(&[("http_status_code", Value::Int(404))], &[(cond, false)]);

    let cond = r#"{ body_code NOTIN ["0", "200", null] }"#;
    check(&[("body_code", Value::Str(b"500"))], &[(cond, true)]);
    check(&[("body_code", Value::Str(b"0"))], &[(cond, false)]);
    check(&[("body_code", Value::Str(b"200"))], &[(cond, false)]);
    check(&[("body_code", Value::Int(500))], &[(cond, true)]);
    check(&[], &[(cond, false)]);

    let cond = "{ trace_keep = true }";
    check(&[("trace_keep", Value::Bool(true))], &[(cond, true)]);
    check(&[("trace_keep", Value::Bool(false))], &[(cond, false)]);
    check(&[("trace_keep", Value::Str(b"true"))], &[(cond, false)]);

    let cond = r#"{ parent_id = "0" AND duration > 1000000 }"#;
    check(
        &[
            ("parent_id", Value::Tag(b"0")),
            ("duration", Value::Int(2_000_000)),
        ],
        &[(cond, true)],
    );
    check(
        &[
            ("parent_id", Value::Tag(b"0")),
            ("duration", Value::Int(1_000_000)),
        ],
        &[(cond, false)],
    );
    check(
        &[
            ("parent_id", Value::Tag(b"1")),
            ("duration", Value::Int(2_000_000)),
        ],
        &[(cond, false)],
    );
    check(
        &[
            ("parent_id", Value::Tag(b"0")),
            ("duration", Value::Float(2e6)),
        ],
        &[(cond, false)],
    );

    let cond = r#"{ resource = re("^GET /tmall/.+$") }"#;
    check(
        &[("resource", Value::Str(b"GET /tmall/cart"))],
        &[(cond, true)],
    );
    check(
        &[("resource", Value::Str(b"GET /tmall/"))],
        &[(cond, false)],
    );
    check(
        &[("resource", Value::Str(b"POST /tmall/cart"))],
        &[(cond, false)],
    );

    let cond = r#"{ level = "error" AND order_id != "" }"#;
    check(
        &[
            ("level", Value::Tag(b"error")),
            ("order_id", Value::Str(b"42")),
        ],
        &[(cond, true)],
    );
    check(
        &[
            ("level", Value::Tag(b"error")),
            ("order_id", Value::Str(b"")),
        ],
        &[(cond, false)],
    );
    // A missing key is nil, and nil != "" holds.
    check(&[("level", Value::Tag(b"error"))], &[(cond, true)]);
    check(
        &[
            ("level", Value::Tag(b"info")),
            ("order_id", Value::Str(b"42")),
        ],
        &[(cond, false)],
    );

    check(&[], &[("{ 1 = 1 }", true)]);

    let cond = r#"{ resource IN ["/health", "/ready"] }"#;
    check(&[("resource", Value::Tag(b"/ready"))], &[(cond, true)]);
    check(&[("resource", Value::Tag(b"/readyz"))], &[(cond, false)]);

    // Strict typing: an int literal never equals a string tag.
    check(
        &[("http_status_code", Value::Tag(b"304"))],
        &[("{ http_status_code = 304 }", false)],
    );
    // uint fields never equal int literals.
    check(&[("n", Value::Uint(7))], &[("{ n = 7 }", false)]);
    // Deviation: a block that is only a parenthesised expression evaluates normally.
    check(
        &[("b", Value::Int(2))],
        &[
            ("{ (a = 1 OR b = 2) }", true),
            ("{ (a = 1 OR b = 3) }", false),
        ],
    );
}

/// The cases of the reference engine's `filter/eval_test.go` (`TestExprConditions`), except
/// the invalid regex, which is a compile error here.
#[test]
fn reference_engine_cases() {
    let abc = [("abc", Value::Str(b"abc123"))];
    check(
        &abc,
        &[
            ("{ abc notmatch []}", false),
            ("{ abc match ['a.*']}", true),
            ("{ abc notmatch ['a.*'] or xyz match ['.*']}", false),
        ],
    );
    check(
        &[
            ("abc", Value::Str(b"abc123")),
            ("source", Value::Tag(b"12345")),
        ],
        &[("{ source = re(`.*`) and (abc match ['a.*'])}", true)],
    );
    check(
        &[("abc", Value::Str(b"abc123")), ("xyz", Value::Tag(b"def"))],
        &[("{ abc notmatch ['a.*'] or xyz match ['.*']}", true)],
    );
    check(
        &[
            ("abc", Value::Int(4)),
            ("a", Value::Int(-1)),
            ("c", Value::Int(-2)),
        ],
        &[("{abc notin [1.1,1.2,1.3] and (a > 1 || c< 0)}", true)],
    );
    check(&[("a", Value::Int(4))], &[("{a notin [1,2,3,4]}", false)]);
    check(&[("abc", Value::Int(4))], &[("{abc notin [1,2,3]}", true)]);
    check(
        &[("a", Value::Int(2)), ("c", Value::Str(b"xyz"))],
        &[
            (
                ";;;{a > 1, b > 1 or c > 1, xx != 123 };;;; {xyz > 1};;;",
                false,
            ),
            ("{a > 1, b > 1 or c > 1}", false),
        ],
    );
    check(
        &[
            ("a", Value::Int(2)),
            ("c", Value::Str(b"xyz")),
            ("b", Value::Bool(false)),
        ],
        &[
            ("{a > 1, b > 1 or c = 'xyz'}", true),
            ("{xxx < 111}; {a > 1, b > 1 or c = 'xyz'}", true),
        ],
    );
    check(
        &[("host", Value::Tag(b"nginx_abc"))],
        &[(r#"{host = re("^nginx_.*$")}"#, true)],
    );
    check(
        &[("host", Value::Tag(b"abcdef"))],
        &[("{host = re(`nginx_*`)}", false)],
    );
}

#[test]
fn tag_and_string_values() {
    for value in [Value::Tag(b"304"), Value::Str(b"304")] {
        check(
            &[("k", value)],
            &[
                (r#"k = "304""#, true),
                ("k = '304'", true),
                // Backquotes write a key name, never a string (so this never matches).
                ("k = `304`", false),
                (r#"k = "30""#, false),
                (r#"k = "304 ""#, false),
                ("k = 304", false),
                ("k = 304.0", false),
                ("k = true", false),
                (r#"k != "304""#, false),
                (r#"k != "305""#, true),
                ("k != 304", false),
                (r#"k < "4""#, true),
                (r#"k > "4""#, false),
                (r#"k >= "304""#, true),
                (r#"k <= "303""#, false),
                (r#"k > "30""#, true),
                ("k > 300", false),
                ("k = nil", false),
                ("k != nil", true),
                ("k > nil", false),
                (r#"k IN ["a", "304"]"#, true),
                ("k IN [304]", false),
                ("k IN []", false),
                ("k IN [nil]", false),
                ("k NOTIN [304]", true),
                (r#"k NOTIN ["304"]"#, false),
                ("k NOTIN []", true),
                ("k NOTIN [nil]", true),
                (r#"k MATCH ["^3"]"#, true),
                (r#"k MATCH ["^4", "0"]"#, true),
                (r#"k MATCH ["^4"]"#, false),
                ("k MATCH []", false),
                (r#"k NOTMATCH ["^3"]"#, false),
                (r#"k NOTMATCH ["^3", "^4"]"#, true),
                ("k NOTMATCH []", false),
                (r#"k = re("^3.4$")"#, true),
                (r#"k = re("0")"#, true),
                (r#"k = re("^0")"#, false),
                (r#"k = re("^\\d+$")"#, true),
            ],
        );
    }
    check(
        &[("k", Value::Str("日本".as_bytes()))],
        &[
            ("k = '\\u65e5\\u672c'", true),
            ("k = re('^..$')", true),
            (r"k MATCH ['^\\w+$']", false),
            (r#"k > "z""#, true),
        ],
    );
    check(
        &[("k", Value::Str(b"\xff"))],
        &[(r#"k = "\xff""#, true), (r#"k = "\377""#, true)],
    );
}

#[test]
fn int_values() {
    check(
        &[("k", Value::Int(1000))],
        &[
            ("k = 1000", true),
            ("k = +1000", true),
            ("k = 0x3e8", true),
            ("k = 01750", true),
            ("k = 1000.0", false),
            ("k = 1e3", false),
            (r#"k = "1000""#, false),
            ("k = true", false),
            ("k != 1000", false),
            ("k != 999", true),
            (r#"k != "x""#, false),
            ("k > 999", true),
            ("k >= 1000", true),
            ("k < 1000", false),
            ("k <= 1000", true),
            ("k > -5", true),
            ("k > 999.5", false),
            ("k IN [1, 1000]", true),
            ("k IN [1000.0]", false),
            (r#"k IN ["1000"]"#, false),
            ("k NOTIN [1000.0]", true),
            ("k NOTIN [1000]", false),
            ("k NOTIN [nil, 1]", true),
            (r#"k MATCH ["1"]"#, false),
            (r#"k NOTMATCH ["x"]"#, false),
            (r#"k = re("1")"#, false),
            ("k = nil", false),
            ("k != nil", true),
        ],
    );
    check(
        &[("k", Value::Int(-3))],
        &[
            ("k < 0", true),
            ("k = -3", true),
            ("k = - 3", true),
            ("k > -4", true),
            ("k IN [-3]", true),
        ],
    );
    check(
        &[("k", Value::Int(i64::MAX))],
        &[
            ("k = 9223372036854775807", true),
            ("k = 0x7fffffffffffffff", true),
            // Beyond i64 the literal is a float, as in Go.
            ("k < 9223372036854775808", false),
        ],
    );
}

#[test]
fn uint_values() {
    check(
        &[("k", Value::Uint(5))],
        &[
            ("k = 5", false),
            ("k != 5", false),
            ("k > 1", false),
            ("k < 10", false),
            ("k = 5.0", false),
            (r#"k = "5""#, false),
            ("k IN [5]", false),
            ("k NOTIN [5]", true),
            ("k = nil", false),
            ("k != nil", true),
        ],
    );
}

#[test]
fn float_values() {
    check(
        &[("k", Value::Float(1.5))],
        &[
            ("k = 1.5", true),
            ("k = 1.5000000001", true),
            ("k = 1.501", false),
            ("k = 15e-1", true),
            ("k = 1", false),
            ("k = 2", false),
            ("k != 1.5", false),
            // `!=` is exact, as in the reference.
            ("k != 1.5000000001", true),
            ("k != 2.0", true),
            ("k != 2", false),
            ("k > 1.0", true),
            ("k > 1", false),
            ("k < 2e0", true),
            ("k >= 1.5", true),
            ("k <= 1.4", false),
            ("k IN [1.5000000001]", true),
            ("k IN [1, 2]", false),
            ("k NOTIN [2.5]", true),
            ("k NOTIN [1.5]", false),
            ("k = inf", false),
            ("k < inf", true),
            ("k > -inf", true),
            (r#"k MATCH ["1"]"#, false),
        ],
    );
    check(
        &[("k", Value::Float(f64::INFINITY))],
        &[
            // |inf - inf| is NaN, so `=` is false, as in Go.
            ("k = inf", false),
            ("k != inf", false),
            ("k > 1e308", true),
            ("k >= inf", true),
        ],
    );
    check(
        &[("k", Value::Float(f64::NAN))],
        &[("k = nan", false), ("k != nan", true), ("k > 0.0", false)],
    );
    check(
        &[("k", Value::Float(8.0))],
        &[("k = 08", true), ("k = 8", false)],
    );
}

#[test]
fn bool_values() {
    check(
        &[("k", Value::Bool(true))],
        &[
            ("k = true", true),
            ("k = TRUE", true),
            ("k = false", false),
            ("k != false", true),
            ("k != true", false),
            ("k > false", false),
            ("k >= true", false),
            ("k <= true", false),
            ("k = 1", false),
            (r#"k = "true""#, false),
            ("k IN [1]", false),
            (r#"k NOTIN ["true"]"#, true),
            ("k = nil", false),
            ("k != nil", true),
        ],
    );
}

#[test]
fn bytes_and_any_values() {
    for value in [Value::Bytes(b"abc"), Value::Any(b"\x0a\x03abc")] {
        check(
            &[("k", value)],
            &[
                (r#"k = "abc""#, false),
                (r#"k != "abc""#, false),
                (r#"k > "a""#, false),
                (r#"k MATCH ["a"]"#, false),
                (r#"k NOTMATCH ["x"]"#, false),
                (r#"k = re("a")"#, false),
                (r#"k IN ["abc"]"#, false),
                (r#"k NOTIN ["abc"]"#, true),
                ("k != nil", true),
                ("k = nil", false),
            ],
        );
    }
}

#[test]
fn missing_keys() {
    check(
        &[("other", Value::Str(b"a"))],
        &[
            (r#"k = "a""#, false),
            (r#"k != "a""#, true),
            ("k != 1", true),
            ("k != 1.5", true),
            ("k != true", true),
            ("k < 1", false),
            (r#"k > "a""#, false),
            ("k >= 1.0", false),
            ("k <= false", false),
            ("k = nil", true),
            ("k = NULL", true),
            ("k != nil", false),
            ("k > nil", false),
            ("k <= nil", false),
            (r#"k IN ["a"]"#, false),
            (r#"k IN ["a", nil]"#, true),
            (r#"k IN [nil, "a"]"#, true),
            ("k IN []", false),
            (r#"k NOTIN ["a"]"#, true),
            (r#"k NOTIN ["a", nil]"#, false),
            ("k NOTIN []", true),
            (r#"k MATCH [".*"]"#, false),
            (r#"k NOTMATCH ["x"]"#, false),
            (r#"k = re(".*")"#, false),
            (r#"k = re("")"#, false),
        ],
    );
}

#[test]
fn literal_left_sides_are_constants() {
    check(
        &[("a", Value::Int(1))],
        &[
            ("1 = 1", true),
            ("1 = 2", false),
            ("1 != 2", true),
            ("1 = 1.0", false),
            ("1.5 = 1.5", true),
            ("-1 < 0", true),
            (r#""a" < "b""#, true),
            (r#""a" = 'a'"#, true),
            ("true = true", true),
            ("true > false", false),
            ("nil = nil", true),
            ("nil != nil", false),
            ("nil != 1", false),
            ("nil = 1", false),
            ("1 != nil", true),
            ("1 = nil", false),
            ("2 > nil", false),
            (r#""abc" = re("b")"#, true),
            (r#""abc" = re("^b")"#, false),
            (r#"1 = re("1")"#, false),
            ("1 = 1 AND a = 2", false),
            ("1 = 2 OR a = 1", true),
        ],
    );
}

#[test]
fn program_structure() {
    let fields = [
        ("a", Value::Int(1)),
        ("b", Value::Int(2)),
        ("c", Value::Int(3)),
    ];
    for empty in ["", "  ", ";;", "# only a comment\n"] {
        let cond = Condition::compile(empty).unwrap();
        assert!(
            cond.is_empty() && !cond.eval(|_| Some(Value::Int(1))),
            "{empty:?}"
        );
    }
    check(
        &fields,
        &[
            ("{}", true),
            ("{,}", true),
            ("{ a = 9 }; {}", true),
            ("{ a = 1 }", true),
            ("{ a = 1, b = 2, c = 3 }", true),
            ("{ a = 1, b = 2, c = 4 }", false),
            ("{ a = 9 }; { b = 2 }", true),
            ("{ a = 9 }; { b = 9 }", false),
            ("{ a = 9 OR b = 2 AND c = 3 }", true),
            ("{ a = 1 OR b = 9 AND c = 9 }", true),
            ("{ (a = 1 OR b = 9) AND c = 9 }", false),
            ("{ a = 9 AND b = 2 OR c = 3 }", true),
            ("{ a = 9 && b = 2 || c = 3 }", true),
            ("{ a = 1 and (b = 9 or (c = 3 and a = 1)) }", true),
            ("{ a = 1 or b = 9, c = 9 }", false),
            ("{ (a = 1), (b = 2) }", true),
            ("{ ((((a = 1)))) }", true),
            ("{ a = 1 # trailing comment\n , b = 2 }", true),
            ("{\n\ta = 1,\r\n\tb = 2\n}", true),
            ("{ `a` = 1 }", true),
        ],
    );
    // `identifier("...")` writes a key name, as in the reference.
    check(
        &[("my key", Value::Int(1))],
        &[
            ("{ identifier(\"my key\") = 1 }", true),
            ("{ IDENTIFIER('my key') IN [1] }", true),
        ],
    );
    // The first field with a key wins; tags and fields share one namespace.
    check(
        &[("k", Value::Tag(b"x")), ("k", Value::Int(2))],
        &[(r#"k = "x""#, true), ("k = 2", false)],
    );
    check(
        &[("a.b", Value::Int(1)), ("my key", Value::Int(2))],
        &[("{ `a.b` = 1, `my key` = 2 }", true)],
    );
}

#[test]
fn eval_short_circuits_and_uses_slots() {
    let cond = Condition::compile("{ a = 1 }; { b = 2, a != nil }").unwrap();
    assert_eq!(
        cond.keys(),
        [b"a".as_slice().into(), b"b".as_slice().into()]
    );
    let mut calls = Vec::new();
    let matched = cond.eval(|slot| {
        calls.push(slot);
        (slot == 0).then_some(Value::Int(1))
    });
    assert!(matched);
    assert_eq!(calls, [0], "the second block is never evaluated");

    calls.clear();
    assert!(!cond.eval(|slot| {
        calls.push(slot);
        None
    }));
    assert_eq!(
        calls,
        [0, 1],
        "`b = 2` fails, so `a != nil` is never evaluated"
    );
}

/// `(condition, default, reference, part of the warning)`: what each mode answers against
/// `fields`, and the warning both modes give.
type ModeCase<'a> = (&'a str, bool, bool, &'a str);

fn check_modes(fields: Fields<'_>, cases: &[ModeCase<'_>]) {
    let pairs: Vec<(&[u8], Value<'_>)> = fields.iter().map(|(k, v)| (k.as_bytes(), *v)).collect();
    let mut failures = Vec::new();
    for &(src, default, reference, warning) in cases {
        for (compat, expected) in [(Compat::Default, default), (Compat::Reference, reference)] {
            let cond =
                Condition::compile_with(src, compat).unwrap_or_else(|e| panic!("{src}: {e}"));
            let got = cond.eval_fields(&pairs);
            if got != expected {
                failures.push(format!("{src} ({compat}): expected {expected}, got {got}"));
            }
            let warnings: Vec<String> = cond.warnings().iter().map(|w| w.to_string()).collect();
            if !warnings.iter().any(|w| w.contains(warning)) {
                failures.push(format!(
                    "{src} ({compat}): no warning {warning:?} in {warnings:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "with {fields:?}:\n{}",
        failures.join("\n")
    );
}

/// What the reference engine accepts and this engine accepts too, with a warning: the same
/// answer in both modes, or the documented deviation in the default mode (docs/protocol.md,
/// "Deviations").
#[test]
fn reference_quirks_in_both_modes() {
    let fields: Fields<'_> = &[
        ("status", Value::Tag(b"error")),
        ("resource", Value::Str(b"/health")),
        ("trace_keep", Value::Bool(true)),
        ("n", Value::Int(3)),
    ];
    check_modes(
        fields,
        &[
            // The same in both modes.
            (
                "{ resource IN [\"/x\", status] }",
                false,
                false,
                "left out of the list",
            ),
            (
                "{ resource IN [\"/health\", status] }",
                true,
                true,
                "left out of the list",
            ),
            (
                "{ resource IN [`x`, a.b, \"/health\"] }",
                true,
                true,
                "`a.b` in a list",
            ),
            (
                "{ resource MATCH [\"(\", \"^/h\"] }",
                true,
                true,
                "invalid regex `(`",
            ),
            (
                "{ resource MATCH [\"(\"] }",
                false,
                false,
                "drops the regex",
            ),
            (
                "{ resource NOTMATCH [\"(\"] }",
                false,
                false,
                "drops the regex",
            ),
            (
                "{ status = error }",
                false,
                false,
                "`error` on the right is a key name",
            ),
            ("{ status = `error` }", false, false, "is a key name"),
            ("{ status != error }", false, false, "never matches"),
            ("{ missing != error }", false, false, "never matches"),
            (
                "{ resource > re(\"a\") }",
                false,
                false,
                "after `>` never matches",
            ),
            (
                "{ missing <= re(\"a\") }",
                false,
                false,
                "after `<=` never matches",
            ),
            ("{ a.b = 1 }", false, false, "`a.b` is not a key name"),
            (
                "{ a.b.c != 1 OR n = 3 }",
                true,
                true,
                "`a.b.c` is not a key name",
            ),
            ("{ status = a.b }", false, false, "`a.b` is not a key name"),
            ("{ a.b IN [1] }", false, false, "`a.b` is not a key name"),
            (
                "{ a.b NOTMATCH [\"x\"] }",
                false,
                false,
                "`a.b` is not a key name",
            ),
            (
                "{ a.b = re(\"x\") }",
                false,
                false,
                "`a.b` is not a key name",
            ),
            (
                "{ resource = re(\"(\") }",
                false,
                false,
                "the comparison never matches",
            ),
            // The rest of the reference's expression grammar: parsed, never true.
            (
                "{ n + 1 = 4 }",
                false,
                false,
                "`n + 1` is neither a key nor a value",
            ),
            (
                "{ n > 1000 * 1000 }",
                false,
                false,
                "is neither a key nor a value",
            ),
            (
                "{ n = 3 = true }",
                false,
                false,
                "`n = 3` is neither a key nor a value",
            ),
            (
                "{ (n) = 3 }",
                false,
                false,
                "`(n)` is neither a key nor a value",
            ),
            (
                "{ n = (3) }",
                false,
                false,
                "`(3)` is neither a key nor a value",
            ),
            (
                "{ len(resource) > 1 }",
                false,
                false,
                "`len(resource)` is neither",
            ),
            (
                "{ n = f(1, [a, 2], g()), n = 3 }",
                false,
                false,
                "is neither",
            ),
            ("{ f(, 1, , [a]) = 1 OR n = 3 }", true, true, "is neither"),
            (
                "{ f(n).g(1).h() = 1 OR n = 3 }",
                true,
                true,
                "`f(n).g(1).h()` is neither",
            ),
            ("{ a.b(n) > 1 }", false, false, "`a.b(n)` is neither"),
            ("{ * = 1 }", false, false, "`*` is neither"),
            ("{ re(\"x\") = n }", false, false, "`re(\"x\")` is neither"),
            ("{ n * 2 }", false, false, "arithmetic never matches"),
            ("{ n = 3 OR n ^ 2 }", true, true, "arithmetic never matches"),
            ("{ n = 3 AND status }", false, false, "not a comparison"),
            ("{ status OR n = 3 }", false, false, "not a comparison"),
            (
                "{ status OR n = 4 OR n = 3 }",
                true,
                true,
                "not a comparison",
            ),
            (
                "{ n = 3 OR status OR n = 4 }",
                false,
                false,
                "not a comparison",
            ),
            ("{ n = 3 OR (status) }", true, true, "not a comparison"),
            ("{ n = 3 AND (status) }", false, false, "not a comparison"),
            (
                "{ status IN [identifier(\"x\"), \"error\"] }",
                true,
                true,
                "`identifier(\"x\")` in a list",
            ),
            // The deviations.
            (
                "{ resource != re(\"^/h\") }",
                false,
                true,
                "does not test the regex",
            ),
            (
                "{ resource != re(\"^/x\") }",
                true,
                true,
                "does not test the regex",
            ),
            (
                "{ missing != re(\"^/x\") }",
                true,
                true,
                "does not test the regex",
            ),
            (
                "{ n != re(\"3\") }",
                false,
                false,
                "does not test the regex",
            ),
            ("{ missing IN [1, nil] }", true, false, "but not first"),
            ("{ missing IN [1, x, nil] }", true, false, "but not first"),
            (
                "; { status = \"error\" }",
                true,
                false,
                "starts with an empty statement",
            ),
            (
                "# c\n;; { n = 3 }; { n = 4 }",
                true,
                false,
                "empty statement",
            ),
            (
                "{ (status = \"error\") }",
                true,
                false,
                "a parenthesised term",
            ),
            (
                "{ n = 3, (status = \"error\" OR n = 1) }",
                true,
                false,
                "a parenthesised term",
            ),
            (
                "{ n = 4 }; { (n = 3) }",
                true,
                false,
                "a parenthesised term",
            ),
        ],
    );
}

/// A leading empty statement under `compat: "reference"`: nothing is evaluated, so no key is
/// read (the decision walk matches none of the condition's keys).
#[test]
fn a_leading_empty_statement_reads_no_key_under_reference() {
    let src = "; { a = 1 }";
    let default = Condition::compile_with(src, Compat::Default).unwrap();
    assert_eq!(default.referenced_fields(), ["a"]);
    let reference = Condition::compile_with(src, Compat::Reference).unwrap();
    assert!(reference.keys().is_empty() && reference.is_empty());
}

/// The constructs above in the reference's place where the modes agree: no warning.
#[test]
fn reference_agreements_without_warnings() {
    for src in [
        "{ missing IN [nil, 1] }",
        "{ missing NOTIN [1, nil] }",
        "{ trace_keep IN [true] }",
        "{ (a = 1) AND b = 2 }",
        "{ a = 1 OR (b = 2) }",
        "{ a = 1 }; ; { b = 2 };",
        "{ a = re(\"x\") }",
    ] {
        for compat in [Compat::Default, Compat::Reference] {
            let cond = Condition::compile_with(src, compat).unwrap();
            assert_eq!(cond.warnings(), &[], "{src} ({compat})");
        }
    }
    // The same answers in both modes.
    let fields: Fields<'_> = &[("trace_keep", Value::Bool(true)), ("b", Value::Int(2))];
    for (src, expected) in [
        ("{ trace_keep IN [true] }", true),
        ("{ trace_keep IN [false, 1, \"true\"] }", false),
        ("{ trace_keep NOTIN [false] }", true),
        ("{ b IN [true, 2] }", true),
        ("{ missing IN [nil, 1] }", true),
        ("{ missing IN [true] }", false),
        ("{ missing NOTIN [1, nil] }", false),
        ("{ missing NOTIN [1, true] }", true),
        ("{ (a = 1) AND b = 2 }", false),
        ("{ a = 1 OR (b = 2) }", true),
    ] {
        for compat in [Compat::Default, Compat::Reference] {
            let cond = Condition::compile_with(src, compat).unwrap();
            let pairs: Vec<(&[u8], Value<'_>)> =
                fields.iter().map(|(k, v)| (k.as_bytes(), *v)).collect();
            assert_eq!(cond.eval_fields(&pairs), expected, "{src} ({compat})");
        }
    }
}
