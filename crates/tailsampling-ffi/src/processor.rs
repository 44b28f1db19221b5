//! The processor handle and its calls. `ts_processor` holds the engine's `Processor`
//! (`Send + Sync`) behind the core's panic boundary, `Guarded`, which poisons it when a call
//! panics.

use std::ffi::c_char;
use std::ptr::NonNull;

use super::args::{bytes, invalid, nonempty_text, required, slice, text};
use super::buf::{ts_buf, ts_deliveries};
use super::error::ts_error;
use super::status::{ts_status, TS_SEND_DROP, TS_SEND_FAILURE, TS_SEND_SUCCESS};
use tailsampling::engine::guard::Guarded;
use tailsampling::metrics::SendResult;
use tailsampling::{Applied, Error, Processor, Status};

/// A tail-sampling engine. Opaque. Every call taking a `const ts_processor *` is thread-safe
/// and may run concurrently with any other such call; only `ts_processor_free` needs
/// exclusive access.
pub struct ts_processor {
    /// The engine; a call that panics poisons it, and every later call returns `TS_POISONED`.
    pub(crate) inner: Guarded,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ts_processor>();
};

/// Creates a processor from the options JSON object `options_json[0..len]`
/// (docs/architecture.md, "The C ABI": `clock`, `shards`, `pending_max_packets`,
/// `pending_max_bytes`, `pending_max_age`, `memory_limit_bytes`, `token_memory_share`,
/// `max_packet_bytes`, `max_group_bytes`, `max_decompressed_bytes`, `max_batch_bytes`,
/// `decision_cache_size`, `decision_cache_ttl`, `late_data`, `compat`, `default_ttl`,
/// `metrics_window`, `default_token`; all optional). `(NULL, 0)` or blank text means all
/// defaults.
///
/// On success, `*out` receives the new processor, which the caller owns and frees with
/// `ts_processor_free`. `out` must not be NULL. `options_json` is only borrowed for the call.
///
/// Returns `TS_OK`, or `TS_INVALID_ARGUMENT` (`out` NULL, `(NULL, n > 0)`, invalid JSON, an
/// unknown option or a bad value, named in the error), `TS_PANIC`.
/// Thread-safe.
///
/// # Safety
/// `options_json` is NULL or valid for reads of `len` bytes; `out` and `err` are NULL or
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ts_processor_new(
    options_json: *const c_char,
    len: usize,
    out: Option<&mut *mut ts_processor>,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts_processor_new, err, || {
        let slot = required("out", out)?;
        // SAFETY: the caller's promise.
        let json = unsafe { bytes("options_json", options_json.cast(), len) }?;
        let inner = Guarded::new(Processor::from_options_json(json)?);
        *slot = Box::into_raw(Box::new(ts_processor { inner }));
        Ok(Status::Ok)
    })
}

/// Frees processor `p` and everything it holds (buffered groups, pending packets and
/// undelivered kept data are dropped: call `ts_flush` and poll first to drain).
///
/// NULL is a no-op. Needs exclusive access: no other call on `p` may be running or start.
/// Freeing twice is undefined behaviour. Deliveries and buffers already returned stay valid.
///
/// # Safety
/// `p` is NULL or a processor from `ts_processor_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn ts_processor_free(p: Option<NonNull<ts_processor>>) {
    boundary!(ts_processor_free, on_panic = (), || {
        if let Some(p) = p {
            // SAFETY: made by `Box::into_raw` in `ts_processor_new`, freed once (caller's
            // promise).
            drop(unsafe { Box::from_raw(p.as_ptr()) });
        }
    })
}

/// Installs the sampling config `config_json[0..config_len]` (the JSON a Datakit posts to
/// `/v1/tail_sampling_config`) for `token[0..token_len]` (UTF-8, not empty).
///
/// Returns `TS_OK` both when the config is applied and when it is ignored as the same
/// `version` as the one in force; `ts_apply_config` says which. Applying drains the token's
/// pending packets into the engine. Errors: `TS_CONFIG_ERROR` (the config is rejected and the
/// old one stays in force; the error names the JSON path), `TS_INVALID_ARGUMENT` (NULL `p`,
/// empty or non-UTF-8 token, a token over 1024 bytes, `(NULL, n > 0)`), `TS_POISONED`,
/// `TS_PANIC`.
///
/// Inputs are only borrowed for the call. Thread-safe.
///
/// # Safety
/// `p` is NULL or a live processor; `token` and `config_json` are NULL or valid for reads of
/// their lengths; `err` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ts_set_config(
    p: Option<&ts_processor>,
    token: *const c_char,
    token_len: usize,
    config_json: *const c_char,
    config_len: usize,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts_set_config, err, processor p, |p| {
        // SAFETY: the caller's promise.
        unsafe { set_config(p, token, token_len, config_json, config_len) }.map(|_| Status::Ok)
    })
}

/// `ts_set_config`, and on success `*applied` (if not NULL) says whether the config was
/// applied (`true`) or ignored as the same `version` as the one in force (`false`; Datakit
/// re-sends its config every minute and after every 412).
///
/// Returns and errors as `ts_set_config`; `*applied` is written only on success. Thread-safe.
///
/// # Safety
/// As `ts_set_config`; `applied` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ts_apply_config(
    p: Option<&ts_processor>,
    token: *const c_char,
    token_len: usize,
    config_json: *const c_char,
    config_len: usize,
    applied: Option<&mut bool>,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts_apply_config, err, processor p, |p| {
        // SAFETY: the caller's promise.
        let outcome = unsafe { set_config(p, token, token_len, config_json, config_len) }?;
        if let Some(out) = applied {
            *out = outcome.applied;
        }
        Ok(Status::Ok)
    })
}

/// The body of `ts_set_config` and `ts_apply_config`.
///
/// # Safety
/// `token` and `config_json` are NULL or valid for reads of their lengths.
unsafe fn set_config(
    p: &Processor,
    token: *const c_char,
    token_len: usize,
    config_json: *const c_char,
    config_len: usize,
) -> Result<Applied, Error> {
    // SAFETY: the caller's promise.
    let token = unsafe { nonempty_text("token", token, token_len) }?;
    // SAFETY: the caller's promise.
    let config = unsafe { bytes("config_json", config_json.cast(), config_len) }?;
    p.apply_config(token, config)
}

/// Ingests one `DataPacket` (the body of a `POST /v1/tail_sampling`), `body[0..body_len]`.
///
/// `token[0..token_len]` is the token the host authenticated (the request's `?token=`), UTF-8;
/// an empty token (such as `(NULL, 0)`) means none: the packet's own token is used. A packet
/// whose own non-empty token differs from the given one is refused.
///
/// Returns `TS_OK` (buffered) or `TS_PENDING` (no config yet for the token and data type: held
/// in the pending cache; answer HTTP 412). Errors (nothing stored): `TS_BUSY` (memory or
/// pending limit), `TS_TOO_LARGE`, `TS_DECODE_ERROR`, `TS_UNSUPPORTED` (data type or
/// compression), `TS_TOKEN_MISMATCH`, `TS_INVALID_ARGUMENT` (NULL `p`, bad UTF-8 token,
/// `(NULL, n > 0)`, no token at all, a token, `source` or `group_key` over 1024 bytes),
/// `TS_POISONED`, `TS_PANIC`. A group is decided at once when its payloads' sizes (a zstd
/// payload counts at the decompressed size its frame declares) pass `max_group_bytes`.
///
/// The body is copied; inputs are only borrowed for the call. Thread-safe.
///
/// # Safety
/// `p` is NULL or a live processor; `token` and `body` are NULL or valid for reads of their
/// lengths; `err` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ts_ingest(
    p: Option<&ts_processor>,
    token: *const c_char,
    token_len: usize,
    body: *const u8,
    body_len: usize,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts_ingest, err, processor p, |p| {
        // SAFETY: the caller's promise.
        let token = unsafe { text("token", token, token_len) }?;
        // SAFETY: the caller's promise.
        let body = unsafe { bytes("body", body, body_len) }?;
        p.ingest(Some(token), body)
    })
}

/// Advances to now, decides every group whose TTL elapsed, and returns the kept data to
/// write upstream: per token and data type, bodies of at most `max_batch_bytes`.
///
/// On success `*out` receives the deliveries (possibly none: `{NULL, 0, NULL}`), which the
/// caller owns and frees with `ts_deliveries_free`; `*out` is overwritten without being freed.
/// `out` must not be NULL (checked before anything is taken, so no data is lost).
///
/// Returns `TS_OK`, `TS_INVALID_ARGUMENT` (NULL `p` or `out`), `TS_POISONED`, `TS_PANIC`.
/// Thread-safe: concurrent polls each get a disjoint share.
///
/// # Safety
/// `p` is NULL or a live processor; `out` and `err` are NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ts_poll_kept(
    p: Option<&ts_processor>,
    out: Option<&mut ts_deliveries>,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts_poll_kept, err, processor p, |p| {
        let slot = required("out", out)?;
        *slot = ts_deliveries::new(p.poll_kept());
        Ok(Status::Ok)
    })
}

/// Advances to now and returns the built-in metrics of every ended window, one delivery per
/// token to `/v1/write/metric` (after `ts_flush`: every open window), plus the runtime
/// counters under the `default_token` option if set.
///
/// Ownership, NULL handling, statuses and thread safety as for `ts_poll_kept`.
///
/// # Safety
/// `p` is NULL or a live processor; `out` and `err` are NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ts_poll_metrics(
    p: Option<&ts_processor>,
    out: Option<&mut ts_deliveries>,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts_poll_metrics, err, processor p, |p| {
        let slot = required("out", out)?;
        *slot = ts_deliveries::new(p.poll_metrics());
        Ok(Status::Ok)
    })
}

/// Moves a manual clock (option `"clock": "manual"`) to `unix_nanos`; an earlier time is
/// ignored (time never goes backwards). The next poll decides what expired.
///
/// Returns `TS_OK`, `TS_INVALID_ARGUMENT` (NULL `p`, or the processor uses the system clock),
/// `TS_POISONED`, `TS_PANIC`. Thread-safe.
///
/// # Safety
/// `p` is NULL or a live processor; `err` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ts_set_time(
    p: Option<&ts_processor>,
    unix_nanos: i64,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts_set_time, err, processor p, |p| {
        p.set_time(unix_nanos).map(|()| Status::Ok)
    })
}

/// Decides every buffered group now, for a host draining before exit: the next
/// `ts_poll_kept` returns the kept data and the next `ts_poll_metrics` every open window.
/// Pending packets stay pending.
///
/// Returns `TS_OK`, `TS_INVALID_ARGUMENT` (NULL `p`), `TS_POISONED`, `TS_PANIC`. Thread-safe.
///
/// # Safety
/// `p` is NULL or a live processor; `err` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ts_flush(
    p: Option<&ts_processor>,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts_flush, err, processor p, |p| {
        p.flush();
        Ok(Status::Ok)
    })
}

/// The engine statistics as a JSON object: `memory`, `total` and per-token `tokens`, each
/// token with `accepted`, `refused_busy`, `pending`, `buffered`, `kept`, `dropped` (with
/// `by_reason`), `early_decisions`, `late`, `configs`, `decisions`, `config`. At a quiescent
/// moment `accepted == pending.packets + buffered.packets + kept.packets + dropped.packets`.
///
/// On success `*out` receives the JSON text (NUL-terminated), which the caller owns and frees
/// with `ts_buf_free`; `*out` is overwritten without being freed. `out` must not be NULL.
///
/// Returns `TS_OK`, `TS_INVALID_ARGUMENT` (NULL `p` or `out`), `TS_POISONED`, `TS_PANIC`.
/// Thread-safe (counters are read one by one, so under concurrent traffic the snapshot is
/// not atomic).
///
/// # Safety
/// `p` is NULL or a live processor; `out` and `err` are NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ts_stats_json(
    p: Option<&ts_processor>,
    out: Option<&mut ts_buf>,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts_stats_json, err, processor p, |p| {
        let slot = required("out", out)?;
        *slot = ts_buf::from_text(p.stats().to_json().to_string());
        Ok(Status::Ok)
    })
}

/// Acknowledges the deliveries `ids[0..n]` (their `ts_delivery.id`) as written upstream.
///
/// The engine is memory-only: a delivery handed out by a poll is already forgotten, so any
/// ids are accepted and nothing changes. Hosts call it after each successful upstream write
/// all the same, so that they keep working unchanged once the engine keeps state on disk and
/// hands out again, after a restart, the deliveries never acknowledged.
///
/// `(NULL, 0)` acknowledges nothing. Returns `TS_OK`, `TS_INVALID_ARGUMENT` (NULL `p`,
/// `(NULL, n > 0)`), `TS_POISONED`, `TS_PANIC`. Thread-safe.
///
/// # Safety
/// `p` is NULL or a live processor; `ids` is NULL or valid for reads of `n` values; `err` is
/// NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ts_ack(
    p: Option<&ts_processor>,
    ids: *const u64,
    n: usize,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts_ack, err, processor p, |p| {
        // SAFETY: the caller's promise.
        let ids = unsafe { slice("ids", ids, n) }?;
        p.ack(ids)?;
        Ok(Status::Ok)
    })
}

/// Counts `n` delivery attempts of the host into the `dataway_aggregate` runtime counters
/// (`dataway_http_tail_sampling_packet_send_total{token,data_type,result}`), reported by
/// `ts_poll_metrics` when the `default_token` option is set.
///
/// `token[0..token_len]` and `data_type[0..data_type_len]` are non-empty UTF-8, borrowed for
/// the call; `result` is `TS_SEND_SUCCESS`, `TS_SEND_FAILURE` or `TS_SEND_DROP`.
///
/// Returns `TS_OK`, `TS_INVALID_ARGUMENT` (NULL `p`, empty or non-UTF-8 text, `(NULL, n > 0)`,
/// unknown `result`), `TS_POISONED`, `TS_PANIC`. Thread-safe.
///
/// # Safety
/// `p` is NULL or a live processor; `token` and `data_type` are NULL or valid for reads of
/// their lengths; `err` is NULL or valid for a write.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ts_record_send(
    p: Option<&ts_processor>,
    token: *const c_char,
    token_len: usize,
    data_type: *const c_char,
    data_type_len: usize,
    result: u32,
    n: u64,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts_record_send, err, processor p, |p| {
        // SAFETY: the caller's promise.
        let token = unsafe { nonempty_text("token", token, token_len) }?;
        // SAFETY: the caller's promise.
        let data_type = unsafe { nonempty_text("data_type", data_type, data_type_len) }?;
        let result = match result {
            TS_SEND_SUCCESS => SendResult::Success,
            TS_SEND_FAILURE => SendResult::Failure,
            TS_SEND_DROP => SendResult::Drop,
            r => return Err(invalid(format!("result: {r} is not a TS_SEND_* value"))),
        };
        p.record_send(token, data_type, result, n);
        Ok(Status::Ok)
    })
}

/// Test-only (cargo feature `test-panic`, never in a release build): panics inside the
/// boundary, so tests can see `TS_PANIC` and the poisoning that follows.
///
/// # Safety
/// As for `ts_flush`.
#[cfg(feature = "test-panic")]
#[no_mangle]
pub unsafe extern "C" fn ts__test_panic(
    p: Option<&ts_processor>,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts__test_panic, err, processor p, |_p| {
        #[allow(clippy::panic)] // The point of this function.
        {
            panic!("forced by the test-panic feature")
        }
    })
}
