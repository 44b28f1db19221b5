//! The condition language (REFERENCE.md §5): lexer, parser, AST, compiler, evaluator.
