//! The C ABI (docs/architecture.md, "The C ABI"; `include/tailsampling.h`): the only `extern "C"`
//! code of the crate. Every export is `ts_`-prefixed, runs behind `boundary!` (a panic becomes
//! `TS_PANIC` and poisons the processor; later calls on it return `TS_POISONED`), takes its
//! nullable pointers as `Option<&T>` / `Option<NonNull<T>>` and its byte inputs as `(pointer,
//! length)` pairs read through `args` (`(NULL, 0)` is empty, `(NULL, n > 0)` is
//! `TS_INVALID_ARGUMENT`, tokens must be UTF-8). Outputs are written only on success; errors travel
//! through an optional `ts_error **` out-parameter, never a thread-local.
//!
//! The doc comments of the exports are the C reference manual: cbindgen copies them into
//! the header, so they speak C.
//!
//! Files: `boundary` (the panic boundary), `args` (inputs), `error` (`ts_error`), `status`
//! (statuses, versions), `buf` (`ts_buf`, `ts_deliveries`), `processor` (the processor
//! calls), `validate` (`ts_validate_config`).

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::todo,
    clippy::unimplemented
)]
// The exported names are the C names.
#![allow(non_camel_case_types)]

#[macro_use]
mod boundary;
mod args;

// The header lists the exports in this order (the blank lines stop rustfmt sorting them).
mod status;

mod error;

mod processor;

mod buf;

mod validate;

mod peek;

pub use buf::{ts_buf, ts_buf_free, ts_deliveries, ts_deliveries_free, ts_delivery};
pub use error::{ts_error, ts_error_code, ts_error_free, ts_error_message};
pub use peek::{ts_packet_info, ts_peek_packet};
#[cfg(feature = "test-panic")]
pub use processor::ts__test_panic;
pub use processor::{
    ts_ack, ts_apply_config, ts_flush, ts_ingest, ts_poll_kept, ts_poll_metrics, ts_processor,
    ts_processor_free, ts_processor_new, ts_record_send, ts_set_config, ts_set_time, ts_stats_json,
};
// Every public item of `status`: the statuses (whose list is the core's status table), the
// versions and their functions.
pub use status::*;
pub use validate::ts_validate_config;
