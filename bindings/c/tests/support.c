#include "support.h"

#include <string.h>

void check_err(const char *file, int line, ts_status st, ts_error **err, ts_status want,
               const char *needle) {
  if (st != want) {
    fprintf(stderr, "%s:%d: status %s (%u), want %s (%u): %s\n", file, line, ts_status_str(st),
            (unsigned)st, ts_status_str(want), (unsigned)want,
            err ? ts_error_message(*err) : "(no err)");
    exit(1);
  }
  if (err == NULL) return;
  if (want == TS_OK || want == TS_PENDING) {
    if (*err != NULL) {
      fprintf(stderr, "%s:%d: success with an error set: %s\n", file, line, ts_error_message(*err));
      exit(1);
    }
    return;
  }
  if (*err == NULL || ts_error_code(*err) != want ||
      (needle != NULL && strstr(ts_error_message(*err), needle) == NULL)) {
    fprintf(stderr, "%s:%d: error %u %s, want code %u and a message containing \"%s\"\n",
            file, line, *err ? (unsigned)ts_error_code(*err) : 0u,
            *err ? ts_error_message(*err) : "(none)", (unsigned)want, needle ? needle : "");
    exit(1);
  }
  ts_error_free(*err);
  *err = NULL;
}

static void put(pb_buf *b, const void *src, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->len + n) cap *= 2;
    b->data = realloc(b->data, cap);
    CHECK(b->data != NULL);
    b->cap = cap;
  }
  if (n) memcpy(b->data + b->len, src, n);
  b->len += n;
}

void pb_free(pb_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

static void varint(pb_buf *b, uint64_t v) {
  uint8_t byte;
  while (v >= 0x80) {
    byte = (uint8_t)(v | 0x80);
    put(b, &byte, 1);
    v >>= 7;
  }
  byte = (uint8_t)v;
  put(b, &byte, 1);
}

static void field_varint(pb_buf *b, unsigned field, uint64_t v) {
  varint(b, (uint64_t)field << 3 | 0);
  varint(b, v);
}

static void field_bytes(pb_buf *b, unsigned field, const void *data, size_t n) {
  varint(b, (uint64_t)field << 3 | 2);
  varint(b, n);
  put(b, data, n);
}

static void field_str(pb_buf *b, unsigned field, const char *s) {
  if (s != NULL) field_bytes(b, field, s, strlen(s));
}

static void tag(pb_buf *point, const char *key, const char *value) {
  pb_buf f = {0};
  field_str(&f, 1, key);    /* Field.key */
  field_varint(&f, 8, 1);   /* Field.is_tag */
  field_str(&f, 11, value); /* Field.s */
  field_bytes(point, 2, f.data, f.len); /* PBPoint.fields */
  pb_free(&f);
}

void pb_span(pb_buf *points, const char *trace_id, const char *status, int64_t time_ns) {
  pb_buf p = {0};
  field_str(&p, 1, "ddtrace"); /* PBPoint.name */
  tag(&p, "trace_id", trace_id);
  tag(&p, "service", "web");
  tag(&p, "status", status);
  field_varint(&p, 3, (uint64_t)time_ns); /* PBPoint.time */
  field_bytes(points, 1, p.data, p.len);  /* PBPoints.arr */
  pb_free(&p);
}

static uint64_t fnv1a64(const char *s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
  return h;
}

void pb_encode_packet(pb_buf *out, const pb_packet *p) {
  field_varint(out, 1, fnv1a64(p->raw_id)); /* group_id_hash */
  field_str(out, 2, p->raw_id);
  field_str(out, 3, p->token);
  field_str(out, 4, "ddtrace"); /* source */
  field_str(out, 5, p->data_type);
  field_str(out, 8, p->group_key);
  field_varint(out, 9, (uint64_t)p->point_count);
  field_bytes(out, 12, p->points->data, p->points->len);
  if (p->payload_compression) field_varint(out, 14, (uint64_t)p->payload_compression);
}

void pb_trace(pb_buf *out, const char *token, const char *trace_id, const char *status) {
  pb_buf points = {0};
  pb_packet p = {0};
  pb_span(&points, trace_id, status, 1795219200LL * 1000000000LL);
  p.token = token;
  p.data_type = "tracing";
  p.raw_id = trace_id;
  p.points = &points;
  p.point_count = 1;
  pb_encode_packet(out, &p);
  pb_free(&points);
}

uint64_t json_u64(const char *json, const char *const *path) {
  const char *at = json;
  char quoted[128];
  for (; *path; path++) {
    CHECK(strlen(*path) + 3 < sizeof quoted);
    sprintf(quoted, "\"%s\"", *path);
    at = strstr(at, quoted);
    if (at == NULL) {
      fprintf(stderr, "no key %s in %s\n", quoted, json);
      exit(1);
    }
    at += strlen(quoted);
  }
  while (*at == ' ' || *at == ':') at++;
  CHECK(*at >= '0' && *at <= '9');
  return strtoull(at, NULL, 10);
}
