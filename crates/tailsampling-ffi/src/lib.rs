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
    ts_apply_config, ts_flush, ts_ingest, ts_poll_kept, ts_poll_metrics, ts_processor,
    ts_processor_free, ts_processor_new, ts_record_send, ts_set_config, ts_set_time, ts_stats_json,
};
pub use status::{
    ts_abi_version, ts_status, ts_status_http, ts_status_str, ts_version, TS_ABI_VERSION, TS_BUSY,
    TS_CONFIG_ERROR, TS_DECODE_ERROR, TS_INVALID_ARGUMENT, TS_OK, TS_PANIC, TS_PENDING,
    TS_POISONED, TS_SEND_DROP, TS_SEND_FAILURE, TS_SEND_SUCCESS, TS_TOKEN_MISMATCH, TS_TOO_LARGE,
    TS_UNSUPPORTED, TS_VERSION_MAJOR, TS_VERSION_MINOR, TS_VERSION_PATCH,
};
pub use validate::ts_validate_config;
