/*
 * Every function of tailsampling.h and every status path, single-threaded: NULLs, (NULL, n)
 * inputs, bad UTF-8, garbage, config errors, pending, busy, token mismatch, double frees,
 * outputs left alone on failure, and (with the test-panic build) poisoning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "tailsampling.h"

/* Exported only by the library built with the cargo feature `test-panic`. */
ts_status ts__test_panic(const ts_processor *p, ts_error **err);

#define SEC 1000000000LL
#define T0 (1795219200LL * SEC)

static const char TRACE_CONFIG[] =
    "{\"version\": 1, \"trace\": {\"data_ttl\": \"10s\", \"pipelines\": ["
    "{\"name\": \"keep-errors\", \"type\": \"condition\", "
    "\"condition\": \"{ status = \\\"error\\\" }\", \"action\": \"keep\"}]}}";

static ts_processor *new_processor(const char *options) {
  ts_processor *p = NULL;
  ts_error *err = NULL;
  ts_status st = ts_processor_new(options, options ? strlen(options) : 0, &p, &err);
  CHECK_ERR(st, &err, TS_OK, NULL);
  CHECK(p != NULL);
  return p;
}

static ts_status ingest(const ts_processor *p, const char *token, const pb_buf *body,
                        ts_error **err) {
  return ts_ingest(p, token, token ? strlen(token) : 0, body->data, body->len, err);
}

static ts_status set_config(const ts_processor *p, const char *token, const char *config,
                            ts_error **err) {
  return ts_set_config(p, token, strlen(token), config, strlen(config), err);
}

static const void *find(const uint8_t *hay, size_t n, const char *needle) {
  size_t k = strlen(needle), i;
  for (i = 0; i + k <= n; i++)
    if (memcmp(hay + i, needle, k) == 0) return hay + i;
  return NULL;
}

static void test_versions_and_statuses(void) {
  char want[64];
  static const struct {
    ts_status status;
    const char *name;
    uint32_t http;
  } all[] = {
      {TS_OK, "ok", 200},
      {TS_PENDING, "pending", 412},
      {TS_BUSY, "busy", 503},
      {TS_INVALID_ARGUMENT, "invalid_argument", 400},
      {TS_DECODE_ERROR, "decode_error", 400},
      {TS_CONFIG_ERROR, "config_error", 400},
      {TS_TOO_LARGE, "too_large", 413},
      {TS_UNSUPPORTED, "unsupported", 415},
      {TS_TOKEN_MISMATCH, "token_mismatch", 403},
      {TS_PANIC, "panic", 500},
      {TS_POISONED, "poisoned", 500},
  };
  size_t i;

  CHECK(ts_abi_version() == TS_ABI_VERSION);
  sprintf(want, "%d.%d.%d", TS_VERSION_MAJOR, TS_VERSION_MINOR, TS_VERSION_PATCH);
  CHECK(strcmp(ts_version(), want) == 0);
  CHECK(strcmp(ts_version(), TS_CARGO_VERSION) == 0); /* -D from Cargo.toml */

  for (i = 0; i < sizeof all / sizeof all[0]; i++) {
    CHECK(strcmp(ts_status_str(all[i].status), all[i].name) == 0);
    CHECK(ts_status_http(all[i].status) == all[i].http);
  }
  CHECK(strcmp(ts_status_str(9), "unknown") == 0);
  CHECK(strcmp(ts_status_str(0xffffffffu), "unknown") == 0);
  CHECK(ts_status_http(9) == 0);
}

static void test_processor_new(void) {
  ts_processor *p = (ts_processor *)&p; /* a sentinel: must stay untouched on failure */
  ts_processor *sentinel = p;
  ts_error *err = NULL;
  const char *unknown = "{\"shard\": 4}";

  CHECK_ERR(ts_processor_new(unknown, strlen(unknown), &p, &err), &err, TS_INVALID_ARGUMENT,
            "\"shard\"");
  CHECK(p == sentinel);
  CHECK_ERR(ts_processor_new("{", 1, &p, &err), &err, TS_INVALID_ARGUMENT, "invalid JSON");
  CHECK_ERR(ts_processor_new(NULL, 5, &p, &err), &err, TS_INVALID_ARGUMENT,
            "options_json: NULL with length 5");
  CHECK_ERR(ts_processor_new(NULL, 0, NULL, &err), &err, TS_INVALID_ARGUMENT, "out: NULL");
  CHECK(ts_processor_new(unknown, strlen(unknown), &p, NULL) == TS_INVALID_ARGUMENT);
  CHECK(p == sentinel);

  /* (NULL, 0) and blank text: all defaults (system clock). */
  CHECK_ERR(ts_processor_new(NULL, 0, &p, &err), &err, TS_OK, NULL);
  CHECK_ERR(ts_set_time(p, T0, &err), &err, TS_INVALID_ARGUMENT, "manual");
  ts_processor_free(p);
  p = new_processor("  ");
  ts_processor_free(p);
  ts_processor_free(NULL);
}

static void test_session(void) {
  ts_processor *p = new_processor("{\"clock\": \"manual\"}");
  ts_error *err = NULL;
  ts_deliveries d = {0};
  ts_buf stats = {0};
  pb_buf bad = {0}, good = {0};
  const ts_delivery *item;
  const char *const accepted[] = {"total", "accepted", NULL};
  const char *const kept[] = {"total", "kept", "packets", NULL};
  const char *const dropped[] = {"total", "dropped", "packets", NULL};
  const char *const ignored[] = {"tokens", "tkn", "configs", "ignored", NULL};
  size_t i, metric_points = 0;
  bool applied;

  CHECK_ERR(ts_set_time(p, T0, &err), &err, TS_OK, NULL);
  pb_trace(&bad, NULL, "t-err", "error");
  pb_trace(&good, NULL, "t-ok", "ok");

  /* No config yet: pending (HTTP 412). */
  CHECK_ERR(ingest(p, "tkn", &bad, &err), &err, TS_PENDING, NULL);
  CHECK(err == NULL);
  CHECK_ERR(set_config(p, "tkn", TRACE_CONFIG, &err), &err, TS_OK, NULL);
  /* The same version again: ignored, still TS_OK; ts_apply_config says so. */
  CHECK_ERR(set_config(p, "tkn", TRACE_CONFIG, &err), &err, TS_OK, NULL);
  applied = true;
  CHECK_ERR(ts_apply_config(p, "tkn", 3, TRACE_CONFIG, strlen(TRACE_CONFIG), &applied, &err), &err,
            TS_OK, NULL);
  CHECK(!applied);
  CHECK_ERR(ts_apply_config(p, "tkn2", 4, TRACE_CONFIG, strlen(TRACE_CONFIG), &applied, &err), &err,
            TS_OK, NULL);
  CHECK(applied);
  /* A rejected config names the JSON path and leaves the old one in force. */
  CHECK_ERR(set_config(p, "tkn", "{\"version\": 2, \"trace\": {\"pipelines\": 3}}", &err), &err,
            TS_CONFIG_ERROR, "trace.pipelines");
  CHECK_ERR(ingest(p, "tkn", &good, &err), &err, TS_OK, NULL);

  CHECK_ERR(ts_poll_kept(p, &d, &err), &err, TS_OK, NULL);
  CHECK(d.len == 0 && d.items == NULL); /* nothing before the TTL */
  CHECK_ERR(ts_set_time(p, T0 + 10 * SEC, &err), &err, TS_OK, NULL);
  CHECK_ERR(ts_set_time(p, T0, &err), &err, TS_OK, NULL); /* earlier: ignored */
  CHECK_ERR(ts_poll_kept(p, &d, &err), &err, TS_OK, NULL);
  CHECK(d.len == 1);
  item = &d.items[0];
  CHECK(item->token_len == 3 && memcmp(item->token, "tkn", 3) == 0 && item->token[3] == '\0');
  CHECK(strcmp(item->data_type, "tracing") == 0);
  CHECK(strcmp(item->path, "/v1/write/tracing") == 0);
  CHECK(strcmp(item->content_type, "application/protobuf; proto=com.guance.Point") == 0);
  CHECK(item->points == 1);
  CHECK(item->id == 1); /* the first delivery handed out */
  CHECK_ERR(ts_ack(p, &item->id, 1, &err), &err, TS_OK, NULL);
  CHECK(find(item->body, item->body_len, "t-err") != NULL);
  CHECK(find(item->body, item->body_len, "t-ok") == NULL);
  ts_deliveries_free(&d);
  CHECK(d.items == NULL && d.len == 0 && d._owner == NULL);
  ts_deliveries_free(&d); /* idempotent */
  ts_deliveries_free(NULL);

  CHECK_ERR(ts_stats_json(p, &stats, &err), &err, TS_OK, NULL);
  CHECK(stats.data[stats.len] == '\0' && strlen((const char *)stats.data) == stats.len);
  CHECK(json_u64((const char *)stats.data, accepted) == 2);
  CHECK(json_u64((const char *)stats.data, kept) == 1);
  CHECK(json_u64((const char *)stats.data, dropped) == 1);
  CHECK(json_u64((const char *)stats.data, ignored) == 2);
  ts_buf_free(&stats);
  CHECK(stats.data == NULL && stats.len == 0 && stats._owner == NULL);
  ts_buf_free(&stats);
  ts_buf_free(NULL);

  CHECK_ERR(ts_flush(p, &err), &err, TS_OK, NULL);
  CHECK_ERR(ts_poll_metrics(p, &d, &err), &err, TS_OK, NULL);
  for (i = 0; i < d.len; i++) {
    CHECK(strcmp(d.items[i].data_type, "metric") == 0);
    CHECK(strcmp(d.items[i].path, "/v1/write/metric") == 0);
    metric_points += d.items[i].points;
  }
  CHECK(metric_points > 0);
  CHECK(d.len > 0 && d.items[0].id == 2); /* one numbering across both polls */
  ts_deliveries_free(&d);
  /* Any ids are accepted (the engine is memory-only); (NULL, 0) is nothing, (NULL, n) refused. */
  CHECK_ERR(ts_ack(p, NULL, 0, &err), &err, TS_OK, NULL);
  CHECK_ERR(ts_ack(p, NULL, 2, &err), &err, TS_INVALID_ARGUMENT, "ids: NULL with length 2");

  pb_free(&bad);
  pb_free(&good);
  ts_processor_free(p);
}

static void test_refusals(void) {
  ts_processor *p =
      new_processor("{\"clock\": \"manual\", \"max_packet_bytes\": 300, \"pending_max_packets\": 1}");
  ts_error *err = NULL;
  pb_buf body = {0}, anon = {0}, big = {0}, metric = {0}, zst = {0}, points = {0};
  pb_packet pk = {0};
  const char garbage[] = "\x0a\xff\xff";
  const char bad_utf8[] = "ab\xff";
  int i;

  pb_trace(&body, "tkn", "t", "ok");
  pb_trace(&anon, NULL, "t", "ok");
  for (i = 0; i < 10; i++) pb_span(&points, "t-big-with-a-long-trace-id", "ok", T0);
  pk.token = "tkn";
  pk.data_type = "tracing";
  pk.raw_id = "t-big";
  pk.points = &points;
  pk.point_count = 10;
  pb_encode_packet(&big, &pk);
  pb_free(&points);
  pb_span(&points, "t", "ok", T0);
  pk.points = &points;
  pk.point_count = 1;
  pk.data_type = "metric";
  pb_encode_packet(&metric, &pk);
  pk.data_type = "tracing";
  pk.payload_compression = 2;
  pb_encode_packet(&zst, &pk);

  CHECK_ERR(ts_ingest(p, NULL, 0, (const uint8_t *)garbage, 3, &err), &err, TS_DECODE_ERROR, NULL);
  CHECK_ERR(ts_ingest(p, NULL, 0, NULL, 0, &err), &err, TS_INVALID_ARGUMENT, "no token");
  CHECK_ERR(ingest(p, "other", &body, &err), &err, TS_TOKEN_MISMATCH, "token");
  CHECK_ERR(ts_ingest(p, bad_utf8, 3, body.data, body.len, &err), &err, TS_INVALID_ARGUMENT,
            "token: not UTF-8");
  CHECK_ERR(ingest(p, NULL, &anon, &err), &err, TS_INVALID_ARGUMENT, "no token");
  CHECK_ERR(ingest(p, NULL, &big, &err), &err, TS_TOO_LARGE, "max_packet_bytes");
  CHECK_ERR(ingest(p, NULL, &metric, &err), &err, TS_UNSUPPORTED, "data_type");
  CHECK_ERR(ingest(p, NULL, &zst, &err), &err, TS_UNSUPPORTED, "payload_compression");
  CHECK_ERR(ts_ingest(p, NULL, 3, body.data, body.len, &err), &err, TS_INVALID_ARGUMENT,
            "token: NULL with length 3");
  CHECK_ERR(ts_ingest(p, NULL, 0, NULL, 9, &err), &err, TS_INVALID_ARGUMENT,
            "body: NULL with length 9");
  /* The pending queue holds one packet: the next is refused as busy (HTTP 503). */
  CHECK_ERR(ingest(p, "", &body, &err), &err, TS_PENDING, NULL);
  CHECK_ERR(ingest(p, NULL, &body, &err), &err, TS_BUSY, "pending");
  /* err may be NULL: the status alone. */
  CHECK(ingest(p, "other", &body, NULL) == TS_TOKEN_MISMATCH);

  CHECK_ERR(ts_set_config(p, NULL, 0, TRACE_CONFIG, strlen(TRACE_CONFIG), &err), &err,
            TS_INVALID_ARGUMENT, "token: empty");
  CHECK_ERR(ts_set_config(p, bad_utf8, 3, TRACE_CONFIG, strlen(TRACE_CONFIG), &err), &err,
            TS_INVALID_ARGUMENT, "not UTF-8");
  CHECK_ERR(ts_set_config(p, "tkn", 3, NULL, 2, &err), &err, TS_INVALID_ARGUMENT,
            "config_json: NULL with length 2");
  CHECK_ERR(ts_set_config(p, "tkn", 3, NULL, 0, &err), &err, TS_CONFIG_ERROR, "invalid JSON");
  CHECK_ERR(set_config(p, "tkn", "[garbage", &err), &err, TS_CONFIG_ERROR, "invalid JSON");

  CHECK_ERR(ts_record_send(p, "tkn", 3, "tracing", 7, TS_SEND_SUCCESS, 1, &err), &err, TS_OK,
            NULL);
  CHECK_ERR(ts_record_send(p, "tkn", 3, "tracing", 7, TS_SEND_FAILURE, 1, &err), &err, TS_OK,
            NULL);
  CHECK_ERR(ts_record_send(p, "tkn", 3, "tracing", 7, TS_SEND_DROP, 1, &err), &err, TS_OK, NULL);
  CHECK_ERR(ts_record_send(p, "tkn", 3, "tracing", 7, 3, 1, &err), &err, TS_INVALID_ARGUMENT,
            "TS_SEND_");
  CHECK_ERR(ts_record_send(p, "tkn", 3, NULL, 0, TS_SEND_DROP, 1, &err), &err,
            TS_INVALID_ARGUMENT, "data_type: empty");
  CHECK_ERR(ts_record_send(p, bad_utf8, 3, "tracing", 7, TS_SEND_DROP, 1, &err), &err,
            TS_INVALID_ARGUMENT, "not UTF-8");

  pb_free(&body);
  pb_free(&anon);
  pb_free(&big);
  pb_free(&metric);
  pb_free(&zst);
  pb_free(&points);
  ts_processor_free(p);
}

/* Every processor call refuses a NULL processor, and failing calls leave outputs alone. */
static void test_null_processor_and_untouched_outputs(void) {
  ts_processor *p = new_processor(NULL);
  ts_error *err = NULL;
  ts_deliveries d = {NULL, 7, NULL};
  ts_buf b = {NULL, 7, NULL};

  CHECK_ERR(ts_set_config(NULL, "t", 1, "{}", 2, &err), &err, TS_INVALID_ARGUMENT,
            "ts_set_config: p is NULL");
  CHECK_ERR(ts_ingest(NULL, "t", 1, NULL, 0, &err), &err, TS_INVALID_ARGUMENT, "p is NULL");
  CHECK_ERR(ts_poll_kept(NULL, &d, &err), &err, TS_INVALID_ARGUMENT, "p is NULL");
  CHECK_ERR(ts_poll_metrics(NULL, &d, &err), &err, TS_INVALID_ARGUMENT, "p is NULL");
  CHECK(d.len == 7);
  CHECK_ERR(ts_set_time(NULL, 1, &err), &err, TS_INVALID_ARGUMENT, "p is NULL");
  CHECK_ERR(ts_flush(NULL, &err), &err, TS_INVALID_ARGUMENT, "ts_flush: p is NULL");
  CHECK_ERR(ts_stats_json(NULL, &b, &err), &err, TS_INVALID_ARGUMENT, "p is NULL");
  CHECK(b.len == 7);
  CHECK_ERR(ts_record_send(NULL, "t", 1, "rum", 3, 0, 1, &err), &err, TS_INVALID_ARGUMENT,
            "p is NULL");
  CHECK(ts_flush(NULL, NULL) == TS_INVALID_ARGUMENT);

  CHECK_ERR(ts_poll_kept(p, NULL, &err), &err, TS_INVALID_ARGUMENT, "out: NULL");
  CHECK_ERR(ts_poll_metrics(p, NULL, &err), &err, TS_INVALID_ARGUMENT, "out: NULL");
  CHECK_ERR(ts_stats_json(p, NULL, &err), &err, TS_INVALID_ARGUMENT, "out: NULL");

  /* Errors read as "no error" through NULL; every _free accepts NULL. */
  CHECK(ts_error_code(NULL) == TS_OK);
  CHECK(strcmp(ts_error_message(NULL), "") == 0);
  ts_error_free(NULL);
  ts_processor_free(p);
}

static void test_validate_config(void) {
  ts_buf report = {0};
  ts_error *err = NULL;
  const char *broken = "{\"version\": 1, \"trace\": {\"pipelines\": 3}}";
  const char *tag_vs_int = "{\"trace\": {\"pipelines\": [{\"name\": \"5xx\", \"type\": \"condition\", "
                           "\"condition\": \"{ http_status_code = 500 }\", \"action\": \"keep\"}]}}";
  const char *schema = "{\"tracing\": {\"http_status_code\": \"tag\"}}";
  const char *report_text;

  CHECK_ERR(ts_validate_config(TRACE_CONFIG, strlen(TRACE_CONFIG), NULL, 0, &report, &err), &err,
            TS_OK, NULL);
  CHECK(strncmp((const char *)report.data, "{\"ok\":true", 10) == 0);
  ts_buf_free(&report);

  /* A config with errors is a successful check whose report says ok:false. */
  CHECK_ERR(ts_validate_config(broken, strlen(broken), NULL, 0, &report, &err), &err, TS_OK, NULL);
  report_text = (const char *)report.data;
  CHECK(strncmp(report_text, "{\"ok\":false", 11) == 0);
  CHECK(strstr(report_text, "\"severity\":\"error\"") != NULL);
  CHECK(strstr(report_text, "\"path\":\"trace.pipelines\"") != NULL);
  ts_buf_free(&report);
  CHECK_ERR(ts_validate_config(NULL, 0, NULL, 0, &report, &err), &err, TS_OK, NULL);
  CHECK(strstr((const char *)report.data, "invalid JSON") != NULL);
  ts_buf_free(&report);

  /* Against a declared schema: a string tag compared to a number can never match. */
  CHECK_ERR(ts_validate_config(tag_vs_int, strlen(tag_vs_int), schema, strlen(schema), &report, &err),
            &err, TS_OK, NULL);
  report_text = (const char *)report.data;
  CHECK(strncmp(report_text, "{\"ok\":false", 11) == 0);
  CHECK(strstr(report_text, "\"pipeline\":\"5xx\"") != NULL);
  ts_buf_free(&report);
  /* A schema that does not parse is an invalid argument naming its line. */
  CHECK_ERR(ts_validate_config(broken, strlen(broken), "{}", 2, &report, &err), &err,
            TS_INVALID_ARGUMENT, "schema: line 1");
  CHECK(report.data == NULL);
  CHECK_ERR(ts_validate_config(NULL, 4, NULL, 0, &report, &err), &err, TS_INVALID_ARGUMENT,
            "config_json: NULL with length 4");
  CHECK_ERR(ts_validate_config(broken, strlen(broken), NULL, 1, &report, &err), &err,
            TS_INVALID_ARGUMENT, "schema: NULL with length 1");
  CHECK_ERR(ts_validate_config(broken, strlen(broken), NULL, 0, NULL, &err), &err,
            TS_INVALID_ARGUMENT, "report_json: NULL");
  CHECK(report.data == NULL && report.len == 0);
}

static void test_peek_packet(void) {
  ts_packet_info info = {0};
  ts_error *err = NULL;
  pb_buf trace = {0}, anon = {0};
  const char garbage[] = "\x0a\xff\xff";

  /* A trace's pick key is its group_id_hash, FNV-1a 64 of the trace id (docs/protocol.md,
   * "Wire format"). */
  pb_trace(&trace, "tkn", "4bf92f3577b34da6a3ce929d0e0e4736", "ok");
  pb_trace(&anon, NULL, "t", "ok");
  CHECK_ERR(ts_peek_packet("tkn", 3, trace.data, trace.len, &info, &err), &err, TS_OK, NULL);
  CHECK(info.pick_key == 0xb878f5fd59bc5892ULL && info.payload_compression == 0);
  CHECK_ERR(ts_peek_packet(NULL, 0, trace.data, trace.len, &info, &err), &err, TS_OK, NULL);

  /* The header checks of ts_ingest, and the output untouched on failure. */
  info.pick_key = 42;
  CHECK_ERR(ts_peek_packet("other", 5, trace.data, trace.len, &info, &err), &err, TS_TOKEN_MISMATCH,
            "token");
  CHECK_ERR(ts_peek_packet(NULL, 0, anon.data, anon.len, &info, &err), &err, TS_INVALID_ARGUMENT,
            "no token");
  CHECK_ERR(ts_peek_packet(NULL, 0, (const uint8_t *)garbage, 3, &info, &err), &err,
            TS_DECODE_ERROR, NULL);
  CHECK_ERR(ts_peek_packet(NULL, 0, trace.data, trace.len, NULL, &err), &err, TS_INVALID_ARGUMENT,
            "out: NULL");
  CHECK(info.pick_key == 42);
  pb_free(&trace);
  pb_free(&anon);
}

static void test_poisoning(void) {
  ts_processor *p = new_processor(NULL);
  ts_error *err = NULL;
  ts_buf b = {0};
  pb_buf body = {0};

  pb_trace(&body, "tkn", "t", "ok");
  fprintf(stderr, "test_api: a panic message follows, on purpose:\n");
  CHECK_ERR(ts__test_panic(p, &err), &err, TS_PANIC, "ts__test_panic: panic: forced");
  CHECK_ERR(ts_flush(p, &err), &err, TS_POISONED, "ts_flush: the processor was poisoned");
  CHECK_ERR(ingest(p, NULL, &body, &err), &err, TS_POISONED, "ts_ingest");
  CHECK_ERR(ts_stats_json(p, &b, &err), &err, TS_POISONED, NULL);
  CHECK(b.data == NULL);
  CHECK(ts__test_panic(p, NULL) == TS_POISONED);
  ts_processor_free(p); /* a poisoned processor is still freed */
  pb_free(&body);
}

int main(void) {
  test_versions_and_statuses();
  test_processor_new();
  test_session();
  test_refusals();
  test_null_processor_and_untouched_outputs();
  test_validate_config();
  test_peek_packet();
  test_poisoning();
  printf("test_api: ok\n");
  return 0;
}
