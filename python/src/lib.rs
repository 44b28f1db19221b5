//! Python bindings for `tailsampling` (PyO3). The extension module arrives with issue 6;
//! until then this crate only proves that the core builds without the C ABI feature.
pub use tailsampling::VERSION;
