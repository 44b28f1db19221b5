//! Rejected conditions (positions, messages, hints), limits, and the `Condition` API.

use tailsampling::filter::{
    parse, Condition, ExprKind, FilterError, MAX_DEPTH, MAX_LIST_LEN, MAX_REGEXES, MAX_SOURCE_LEN,
};
use tailsampling::wire::Value;

fn error(src: &str) -> FilterError {
    match Condition::compile(src) {
        Ok(_) => panic!("{src:?} compiled"),
        Err(e) => e,
    }
}

/// `(source, line, column, part of the message, part of the hint or "" for no hint)`.
#[test]
fn errors_point_at_the_problem() {
    let cases: &[(&str, usize, usize, &str, &str)] = &[
        ("{ a == 1 }", 1, 5, "found `==`", "use `=`"),
        (
            "a = 1",
            1,
            1,
            "expected `{`, found key name `a`",
            "{ status = \"error\" }",
        ),
        (
            "{ a = 1 } { b = 2 }",
            1,
            11,
            "expected `;` after a block",
            "separate blocks with `;`",
        ),
        ("{ a = 1", 1, 8, "found end of input", ""),
        ("{", 1, 2, "expected `}` to close the block", ""),
        ("{ a = re(1) }", 1, 10, "expected a string in `re(...)`", ""),
        ("{ a = re(\"x\" }", 1, 14, "expected `)` to close `re(`", ""),
        ("{ a = re \"x\" }", 1, 10, "expected `(` after `re`", ""),
        ("{ a = re(\"\\xff\") }", 1, 10, "valid UTF-8", ""),
        (
            "{ a MATCH [b] }",
            1,
            12,
            "expected a regex, written as a string, found key name `b`",
            "take regexes in quotes",
        ),
        (
            "{ a MATCH [`^x`] }",
            1,
            12,
            "found backquoted `^x`",
            "take regexes in quotes",
        ),
        (
            "{ a MATCH [1] }",
            1,
            12,
            "expected a regex",
            "MATCH and NOTMATCH take regexes",
        ),
        (
            "{ a MATCH [nil] }",
            1,
            12,
            "expected a regex",
            "take regexes",
        ),
        (
            "{ 1 IN [1] }",
            1,
            3,
            "`IN` needs a key on its left",
            "write the key first",
        ),
        ("{ a IN 1 }", 1, 8, "expected `[` after `IN`", ""),
        ("{ a IN [1 2] }", 1, 11, "expected `,` or `]`", ""),
        ("{ a IN [1,] }", 1, 11, "expected a value", ""),
        ("{ a }", 1, 5, "expected a comparison operator", ""),
        ("{ = 1 }", 1, 3, "expected a comparison such as", ""),
        ("{ a = 1 AND }", 1, 13, "expected a comparison", ""),
        ("{ a = 1 / 0 }", 1, 9, "division or modulo by zero", ""),
        ("{ a % 0.0 = 1 }", 1, 5, "division or modulo by zero", ""),
        (
            "{ f(1 }",
            1,
            7,
            "expected `,` or `)` in the call's arguments",
            "",
        ),
        (
            "{ (a) }; { a }",
            1,
            14,
            "expected a comparison operator",
            "",
        ),
        (
            "{ a + 1 }, ",
            1,
            10,
            "expected `;` after a block",
            "separate blocks",
        ),
        ("{ a = 1 OR OR b = 1 }", 1, 12, "expected a comparison", ""),
        ("{ (a = 1 }", 1, 10, "expected `)`", ""),
        ("{ a = 1 ) }", 1, 9, "found `)`", ""),
        (
            "{ a = 5m }",
            1,
            7,
            "invalid number `5m`",
            "durations are not supported",
        ),
        ("{ a = 0x }", 1, 7, "invalid number `0x`", "0x hex"),
        ("{ a = 1e400 }", 1, 7, "invalid number `1e400`", "decimal"),
        ("{ a = - b }", 1, 9, "expected a number after the sign", ""),
        ("{ a = -'x' }", 1, 8, "expected a number after the sign", ""),
        ("{ a = \"x\ny\" }", 1, 7, "strings cannot span lines", "\\n"),
        ("{ a = 'x }", 1, 7, "unterminated string", "close it with '"),
        ("{ `a = 1 }", 1, 3, "unterminated backquoted", "close it"),
        (
            "{ a = \"\\d\" }",
            1,
            8,
            "unknown escape sequence `\\d`",
            "backquoted string",
        ),
        (
            "{ a = \"\\u12\" }",
            1,
            8,
            "needs 4 base-16 digits",
            "\\u00e9",
        ),
        (
            "{ limit = 1 }",
            1,
            3,
            "`limit` is a reserved word",
            "`limit`",
        ),
        ("{ a <> 1 }", 1, 5, "unexpected `<>`", "use `!=`"),
        ("{ a ! = 1 }", 1, 5, "unexpected character `!`", "`!=`"),
        (
            "{ a = 1 & b = 2 }",
            1,
            9,
            "unexpected character `&`",
            "`&&`",
        ),
        ("{ a = . }", 1, 7, "unexpected character `.`", ""),
        ("{ a = .5 }", 1, 7, "unexpected character `.`", "0.5"),
        (
            "{ identifier(a) = 1 }",
            1,
            14,
            "expected a string in `identifier(...)`",
            "",
        ),
        (
            "{ a.b MATCH [1] }",
            1,
            14,
            "expected a regex",
            "take regexes",
        ),
        (
            "{ f().g = 1 }",
            1,
            7,
            "expected a function call after `.`",
            "",
        ),
        ("{ f(). = 1 }", 1, 6, "unexpected character `.`", ""),
        ("{ é = 1 }", 1, 3, "unexpected character `é`", "backquotes"),
        (
            "{ a = 1 }\n{ b = 2 }",
            2,
            1,
            "expected `;` after a block",
            "separate",
        ),
        ("{ a = 1,\n  b = }", 2, 7, "expected a value", ""),
        (
            "# comment\n{ a = 1,\n\tb c }",
            3,
            4,
            "expected a comparison operator",
            "",
        ),
        ("{ `é` = 1, b = }", 1, 16, "expected a value", ""),
    ];
    let mut failures = Vec::new();
    for &(src, line, column, message, hint) in cases {
        let e = error(src);
        let hint_ok = match &e.hint {
            None => hint.is_empty(),
            Some(h) => !hint.is_empty() && h.contains(hint),
        };
        if (e.line, e.column) != (line, column) || !e.message.contains(message) || !hint_ok {
            failures.push(format!("{src:?}: got {e}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn error_display_and_offset() {
    let e = error("{ a = 1,\n  b == 2 }");
    assert_eq!(e.offset, 13);
    assert_eq!(
        e.to_string(),
        "2:5: expected a comparison operator, found `==` (hint: use `=` for equality)"
    );
    let e = error("{ a = \"x\" } x");
    assert_eq!(
        e.hint,
        Some("separate blocks with `;`, e.g. { a = 1 }; { b = 2 }".to_owned())
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{{ {} }}", "(".repeat(100_000));
    let e = error(&deep);
    assert_eq!(
        e.message,
        format!("parentheses are nested more than {MAX_DEPTH} levels deep")
    );
    assert_eq!(e.offset, 2 + MAX_DEPTH);

    let src = format!(
        "{{ {}a = 1{} }}",
        "(".repeat(MAX_DEPTH),
        ")".repeat(MAX_DEPTH)
    );
    let cond = Condition::compile(&src).unwrap();
    assert!(cond.eval_fields(&[(b"a", Value::Int(1))]));
    assert_eq!(parse(&cond.program().to_string()).unwrap(), *cond.program());
    assert!(Condition::compile(&format!("{{ ({src}) }}")).is_err());
}

#[test]
fn long_chains_do_not_recurse() {
    let chain = vec!["a = 1"; 50_000];
    for sep in [" AND ", " OR ", ", "] {
        let src = format!("{{ {} }}", chain.join(sep));
        let cond = Condition::compile(&src).unwrap();
        assert!(cond.eval_fields(&[(b"a", Value::Int(1))]));
        assert_eq!(cond.keys().len(), 1);
    }
    let blocks = vec!["{ a = 2 }"; 50_000].join(";");
    assert!(Condition::compile(&blocks)
        .unwrap()
        .eval_fields(&[(b"a", Value::Int(2))]));
}

#[test]
fn size_limits() {
    let e = error(&" ".repeat(MAX_SOURCE_LEN + 1));
    assert!(e.message.contains("the limit is"), "{e}");
    assert_eq!((e.line, e.column), (1, 1));

    let list = |n: usize| format!("{{ a IN [{}] }}", vec!["1"; n].join(","));
    assert!(Condition::compile(&list(MAX_LIST_LEN)).is_ok());
    let e = error(&list(MAX_LIST_LEN + 1));
    assert!(e.message.contains("more than 10000 elements"), "{e}");

    let regexes = |n: usize| format!("{{ a MATCH [{}] }}", vec!["'x'"; n].join(","));
    assert!(Condition::compile(&regexes(MAX_REGEXES)).is_ok());
    let e = error(&regexes(MAX_REGEXES + 1));
    assert!(e.message.contains("more than 256 regexes"), "{e}");
}

#[test]
fn regex_size_limit() {
    // The largest repetition Go accepts compiles.
    assert!(Condition::compile("{ a = re(`.{1000}`) }").is_ok());
    // `\w` is ASCII, as in Go, so this stays small.
    assert!(Condition::compile(r"{ a MATCH ['\\w{1000}'] }").is_ok());
    let e = error(r"{ a = 1, b MATCH ['x', '(?:.{1000}){50}'] }");
    assert_eq!(e.column, 24);
    assert!(
        e.message.starts_with("regex `(?:.{1000}){50}` is too big"),
        "{e}"
    );
    assert!(e.hint.is_some());
}

#[test]
fn condition_api() {
    fn assert_traits<T: Send + Sync + Clone + std::fmt::Debug>() {}
    assert_traits::<Condition>();
    assert_traits::<FilterError>();

    for empty in ["", "  \n", ";;", "# nothing\n;", ";# x"] {
        let cond = Condition::compile(empty).unwrap();
        assert!(cond.is_empty(), "{empty:?}");
        assert!(!cond.eval_fields(&[]));
        assert_eq!(cond.source(), empty);
    }
    assert!(!Condition::compile("{}").unwrap().is_empty());

    let src =
        r#"{ b = 1, a = 2 }; { b IN [1], `c.d` MATCH ["x"], 1 = 1, d = nil, e > nil, a != "" }"#;
    let cond = Condition::compile(src).unwrap();
    let keys: Vec<&[u8]> = cond.keys().iter().map(|k| &**k).collect();
    assert_eq!(keys, [&b"b"[..], b"a", b"c.d", b"d", b"e"]);
    assert_eq!(cond.referenced_fields(), ["b", "a", "c.d", "d", "e"]);
    assert_eq!(cond.source(), src);
    assert_eq!(
        cond.program().to_string(),
        r#"{ b = 1, a = 2 }; { b IN [1], `c.d` MATCH ["x"], 1 = 1, d = nil, e > nil, a != "" }"#
    );
    let clone = cond.clone();
    assert!(clone.eval_fields(&[(b"b", Value::Int(1)), (b"a", Value::Int(2))]));
}

#[test]
fn spans_locate_nodes() {
    let src = "{ a = 1 OR (b IN [1, -2]) }; { c = re('x') }";
    let program = parse(src).unwrap();
    let text = |span: tailsampling::filter::Span| &src[span.start..span.end];
    assert_eq!(text(program.blocks[0].span), "{ a = 1 OR (b IN [1, -2]) }");
    assert_eq!(text(program.blocks[1].span), "{ c = re('x') }");
    let or = &program.blocks[0].terms[0];
    assert_eq!(text(or.span), "a = 1 OR (b IN [1, -2])");
    let ExprKind::Or(items) = &or.kind else {
        panic!("{or:?}")
    };
    assert_eq!(text(items[1].span), "(b IN [1, -2])");
    let ExprKind::Paren(inner) = &items[1].kind else {
        panic!()
    };
    let ExprKind::In(list) = &inner.kind else {
        panic!()
    };
    assert_eq!(text(list.key.span), "b");
    assert_eq!(text(list.values[1].span), "-2");
    let ExprKind::RegexEq(regex_eq) = &program.blocks[1].terms[0].kind else {
        panic!()
    };
    assert_eq!(text(regex_eq.pattern.span), "'x'");
    assert_eq!(text(program.blocks[1].terms[0].span), "c = re('x')");
}
