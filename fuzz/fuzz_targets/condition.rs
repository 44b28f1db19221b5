//! The condition language: `filter::parse` and `Condition::compile` never panic and agree
//! (compiled ⇒ parsed); the canonical print of a parsed program parses back to the same tree
//! (spans aside) and prints the same again; and a compiled condition evaluates (`eval_fields`)
//! exactly like its canonical print, compiled, on arbitrary points.
//!
//! Input: the condition source, then a NUL byte and the fields of the point (see `point`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tailsampling::filter::{parse, Condition, Expr, ExprKind, LiteralValue, Program};
use tailsampling::wire::Value;
use tailsampling_fuzz::Cursor;

/// `strip`: sets every span of a tree to the default (shared with the Rust tests).
#[path = "../../tests/it/common/spans.rs"]
mod spans;
use spans::strip;

/// The literal values and regex sources of `program`: values a point's fields may take so
/// that comparisons have a chance to match.
fn literals(program: &Program) -> Vec<Value<'_>> {
    fn expr<'p>(e: &'p Expr, out: &mut Vec<Value<'p>>) {
        let mut literal = |v: &'p LiteralValue| out.extend(v.as_value());
        match &e.kind {
            ExprKind::Or(items) | ExprKind::And(items) => items.iter().for_each(|e| expr(e, out)),
            ExprKind::Paren(inner) => expr(inner, out),
            ExprKind::Compare(c) => literal(&c.rhs.value),
            ExprKind::RegexEq(r) => out.push(Value::Str(r.pattern.regex.as_bytes())),
            ExprKind::In(l) => l.values.iter().for_each(|v| literal(&v.value)),
            ExprKind::Match(m) => {
                out.extend(m.patterns.iter().map(|p| Value::Str(p.regex.as_bytes())))
            }
            ExprKind::NeverTrue(_) => {}
        }
    }
    let mut out = Vec::new();
    program
        .blocks
        .iter()
        .flat_map(|b| &b.terms)
        .for_each(|e| expr(e, &mut out));
    out
}

/// Up to 16 fields: a key (one the condition reads, or any bytes) and a value of any type
/// (or one of the condition's literals, as a tag or a string field when it is a string).
fn point<'a>(
    input: &mut Cursor<'a>,
    cond: &'a Condition,
    pool: &[Value<'a>],
) -> Vec<(&'a [u8], Value<'a>)> {
    let mut fields = Vec::new();
    while !input.is_empty() && fields.len() < 16 {
        let choice = input.u8();
        let key: &[u8] = match cond.keys() {
            keys if choice < 0xc0 && !keys.is_empty() => &keys[usize::from(choice) % keys.len()],
            _ => input.short_bytes(),
        };
        let value = match input.u8() % 9 {
            0 => Value::Tag(input.short_bytes()),
            1 => Value::Str(input.short_bytes()),
            2 => Value::Int(input.u64() as i64),
            3 => Value::Uint(input.u64()),
            4 => Value::Float(f64::from_bits(input.u64())),
            5 => Value::Bool(input.u8() & 1 == 1),
            6 => Value::Bytes(input.short_bytes()),
            7 => Value::Any(input.short_bytes()),
            _ if pool.is_empty() => continue,
            _ => match (pool[usize::from(input.u8()) % pool.len()], input.u8() & 1) {
                (Value::Str(s), 0) => Value::Tag(s),
                (v, _) => v,
            },
        };
        fields.push((key, value));
    }
    fields
}

fuzz_target!(|data: &[u8]| {
    let (src, rest) = data.split_at(data.iter().position(|&b| b == 0).unwrap_or(data.len()));
    let src = String::from_utf8_lossy(src);
    let parsed = parse(&src);
    let compiled = Condition::compile(&src);
    if compiled.is_ok() {
        assert!(parsed.is_ok(), "compiled but does not parse");
    }
    let Ok(mut program) = parsed else {
        return;
    };

    let printed = program.to_string();
    let mut again = parse(&printed)
        .unwrap_or_else(|e| panic!("the print of {src:?} does not parse: {printed:?}: {e}"));
    assert_eq!(again.to_string(), printed, "printing is not stable");
    strip(&mut program);
    strip(&mut again);
    // Debug, so that NaN literals compare equal.
    assert_eq!(format!("{program:?}"), format!("{again:?}"), "{printed:?}");

    let Ok(cond) = compiled else {
        return;
    };
    let reprinted = Condition::compile(&printed)
        .unwrap_or_else(|e| panic!("the print of {src:?} does not compile: {printed:?}: {e}"));
    assert_eq!(cond.keys(), reprinted.keys());
    let pool = literals(cond.program());
    let mut input = Cursor::new(rest.get(1..).unwrap_or_default());
    for _ in 0..4 {
        let fields = point(&mut input, &cond, &pool);
        assert_eq!(
            cond.eval_fields(&fields),
            reprinted.eval_fields(&fields),
            "{printed:?} on {fields:?}"
        );
        if input.is_empty() {
            break;
        }
    }
});
