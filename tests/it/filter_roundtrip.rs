//! Property tests: canonical printing round-trips random syntax trees, and arbitrary input
//! never panics the parser or compiler.

use crate::common::spans::strip;
use proptest::collection::vec;
use proptest::prelude::*;
use tailsampling::filter::{
    parse, Block, CmpOp, Compare, Condition, Expr, ExprKind, InList, Key, Literal, LiteralValue,
    MatchList, Operand, Pattern, Program, RegexEq, Span,
};
use tailsampling::wire::Value;
use tailsampling::Compat;

fn expr(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Span::default(),
    }
}

fn key() -> impl Strategy<Value = Key> {
    prop_oneof!["[A-Za-z_][A-Za-z0-9_]{0,6}", "[^`]{0,8}"].prop_map(|name| Key {
        name,
        span: Span::default(),
    })
}

fn literal(with_bool: bool) -> impl Strategy<Value = Literal> {
    let bools = if with_bool { 1 } else { 0 };
    prop_oneof![
        2 => vec(any::<u8>(), 0..8).prop_map(LiteralValue::Str),
        2 => (i64::MIN + 1..=i64::MAX).prop_map(LiteralValue::Int),
        1 => (-1000i64..1000).prop_map(LiteralValue::Int),
        2 => any::<f64>().prop_filter("NaN != NaN", |f| !f.is_nan()).prop_map(LiteralValue::Float),
        bools => any::<bool>().prop_map(LiteralValue::Bool),
        1 => Just(LiteralValue::Nil),
    ]
    .prop_map(|value| Literal {
        value,
        span: Span::default(),
    })
}

fn pattern() -> impl Strategy<Value = Pattern> {
    any::<String>().prop_map(|regex| Pattern {
        regex,
        span: Span::default(),
    })
}

fn operand() -> impl Strategy<Value = Operand> {
    prop_oneof![3 => key().prop_map(Operand::Key), 1 => literal(true).prop_map(Operand::Literal)]
}

fn cmp_op() -> impl Strategy<Value = CmpOp> {
    prop_oneof![
        Just(CmpOp::Eq),
        Just(CmpOp::Ne),
        Just(CmpOp::Lt),
        Just(CmpOp::Le),
        Just(CmpOp::Gt),
        Just(CmpOp::Ge),
    ]
}

/// A comparison or list test.
fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (operand(), cmp_op(), literal(true))
            .prop_map(|(lhs, op, rhs)| ExprKind::Compare(Compare { lhs, op, rhs })),
        (operand(), any::<bool>(), pattern()).prop_map(|(lhs, negated, pattern)| {
            ExprKind::RegexEq(RegexEq {
                lhs,
                negated,
                pattern,
            })
        }),
        (key(), any::<bool>(), vec(literal(true), 0..4)).prop_map(|(key, negated, values)| {
            ExprKind::In(InList {
                key,
                negated,
                values,
            })
        }),
        (key(), any::<bool>(), vec(pattern(), 0..3)).prop_map(|(key, negated, patterns)| {
            ExprKind::Match(MatchList {
                key,
                negated,
                patterns,
            })
        }),
    ]
    .prop_map(expr)
}

/// Any expression of the shape the parser produces: `Or` children are not `Or`s, `And`
/// children are neither `Or`s nor `And`s, both have two children or more.
fn any_expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 48, 4, |inner| {
        let paren = inner
            .prop_map(|e| expr(ExprKind::Paren(Box::new(e))))
            .boxed();
        let and_child = prop_oneof![leaf(), paren.clone()].boxed();
        let and = vec(and_child.clone(), 2..4)
            .prop_map(|v| expr(ExprKind::And(v)))
            .boxed();
        let or_child = prop_oneof![and_child, and.clone()];
        let or = vec(or_child, 2..4).prop_map(|v| expr(ExprKind::Or(v)));
        prop_oneof![paren, and, or]
    })
}

fn program() -> impl Strategy<Value = Program> {
    (
        vec(
            vec(any_expr(), 0..4).prop_map(|terms| Block {
                terms,
                span: Span::default(),
            }),
            0..4,
        ),
        any::<bool>(),
    )
        .prop_map(|(blocks, leading_empty)| Program {
            // The parser records a leading empty statement only before blocks.
            leading_empty: (leading_empty && !blocks.is_empty()).then(Span::default),
            blocks,
            skipped: Vec::new(),
        })
}

/// Fragments of the language (and near misses) to build random sources from.
const VOCABULARY: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ";",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "AND",
    "or",
    "&&",
    "||",
    "IN",
    "notin",
    "MATCH",
    "NOTMATCH",
    "re(",
    "true",
    "nil",
    "a",
    "`b.c`",
    "a.b",
    "'x'",
    "\"\\d\"",
    "`^\\d+$`",
    "1",
    "-2.5",
    "0x1F",
    "010",
    "1e400",
    "inf",
    "#c\n",
    " ",
    "\n",
    "é",
    "'unterminated",
    "`(`",
    "`[z-a]`",
    "+",
    "*",
    "/",
    "%",
    "^",
    "f(",
    "0",
    "b",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn print_then_parse_is_identity(program in program()) {
        let printed = program.to_string();
        let mut parsed = parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        strip(&mut parsed);
        prop_assert_eq!(parsed, program, "printed: {}", printed);
    }

    #[test]
    fn arbitrary_text_never_panics(src in any::<String>()) {
        let _ = Condition::compile(&src);
    }

    #[test]
    fn token_soup_never_panics_and_reprints_stably(
        words in vec(proptest::sample::select(VOCABULARY), 0..40)
    ) {
        let src = words.concat();
        for compat in [Compat::Default, Compat::Reference] {
            let Ok(cond) = Condition::compile_with(&src, compat) else {
                continue;
            };
            let printed = cond.program().to_string();
            let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
            prop_assert_eq!(&reparsed.to_string(), &printed);
            // The print means the same as the source.
            let again = Condition::compile_with(&printed, compat)
                .map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
            for fields in [
                &[][..],
                &[(&b"a"[..], Value::Int(1)), (b"b", Value::Str(b"x"))][..],
                &[(&b"a"[..], Value::Tag(b"x")), (b"b.c", Value::Int(1))][..],
            ] {
                prop_assert_eq!(cond.eval_fields(fields), again.eval_fields(fields), "{}", printed);
            }
        }
    }
}
