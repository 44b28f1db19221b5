/*
 * Support for the C tests: CHECK macros, error checks, a tiny protobuf writer that builds
 * DataPackets (proto/aggregate.proto) carrying PBPoints (proto/point.proto) by hand, and a
 * reader for the few numbers the tests take from the stats JSON.
 */
#ifndef TS_TEST_SUPPORT_H
#define TS_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tailsampling.h"

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);        \
      exit(1);                                                                        \
    }                                                                                 \
  } while (0)

/* `st` is `want`. For a success (TS_OK, TS_PENDING) `*err` must be untouched (NULL); for a
   failure, when `err` is not NULL, `*err` is an error of code `want` whose message contains
   `needle` (NULL: anything), which is then freed and reset to NULL. */
#define CHECK_ERR(st, err, want, needle) check_err(__FILE__, __LINE__, (st), (err), (want), (needle))
void check_err(const char *file, int line, ts_status st, ts_error **err, ts_status want,
               const char *needle);

/* A growing byte buffer. */
typedef struct pb_buf {
  uint8_t *data;
  size_t len;
  size_t cap;
} pb_buf;

void pb_free(pb_buf *b);

/* Appends one span point ("ddtrace", tags trace_id, service=web, status) to a serialized
   PBPoints. */
void pb_span(pb_buf *points, const char *trace_id, const char *status, int64_t time_ns);

/* A DataPacket description; strings may be NULL (absent). */
typedef struct pb_packet {
  const char *token;
  const char *data_type; /* "tracing", "logging", "rum" */
  const char *group_key; /* NULL for traces */
  const char *raw_id;    /* trace id, or the group value */
  const pb_buf *points;  /* a serialized PBPoints */
  int32_t point_count;
  int32_t payload_compression; /* 0 raw */
} pb_packet;

/* Serializes `p` into `out` (appending). */
void pb_encode_packet(pb_buf *out, const pb_packet *p);

/* A one-span trace packet of `token` (may be NULL) for trace `trace_id` with `status`. */
void pb_trace(pb_buf *out, const char *token, const char *trace_id, const char *status);

/* The unsigned number at the end of `path` (a list of keys ending with NULL) in `json`: each
   key is searched after the previous one, so `{"total", "pending", "packets", NULL}` reads
   total.pending.packets in the engine's stats (fixed key order). Exits if absent. */
uint64_t json_u64(const char *json, const char *const *path);

#endif
