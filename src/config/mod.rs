//! Sampling configuration (REFERENCE.md §2): JSON model, defaults, validation, compiled form.
