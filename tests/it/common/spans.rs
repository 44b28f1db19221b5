//! Test helper shared by `tests/it/filter_roundtrip.rs` and the `condition` fuzz target (which
//! includes it with `#[path]`): [`strip`] makes two parses of different texts comparable.

use tailsampling::filter::{Expr, ExprKind, Operand, Program, Span};

/// Sets every span of the tree to the default, and forgets the list elements the parser left
/// out (printing leaves them out too).
pub fn strip(program: &mut Program) {
    fn operand(o: &mut Operand) {
        match o {
            Operand::Key(k) => k.span = Span::default(),
            Operand::Literal(l) => l.span = Span::default(),
        }
    }
    fn expr(e: &mut Expr) {
        e.span = Span::default();
        match &mut e.kind {
            ExprKind::Or(items) | ExprKind::And(items) => items.iter_mut().for_each(expr),
            ExprKind::Paren(inner) => expr(inner),
            ExprKind::Compare(c) => {
                operand(&mut c.lhs);
                c.rhs.span = Span::default();
            }
            ExprKind::RegexEq(r) => {
                operand(&mut r.lhs);
                r.pattern.span = Span::default();
            }
            ExprKind::In(l) => {
                l.key.span = Span::default();
                l.values.iter_mut().for_each(|v| v.span = Span::default());
            }
            ExprKind::Match(m) => {
                m.key.span = Span::default();
                m.patterns.iter_mut().for_each(|p| p.span = Span::default());
            }
            ExprKind::NeverTrue(_) => {}
        }
    }
    program.leading_empty = program.leading_empty.map(|_| Span::default());
    program.skipped.clear();
    for block in &mut program.blocks {
        block.span = Span::default();
        block.terms.iter_mut().for_each(expr);
    }
}
