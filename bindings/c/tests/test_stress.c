/*
 * Concurrency: ingest ∥ set_config ∥ set_time + poll ∥ stats on one processor, from several
 * pthreads, then the conservation identity from the stats JSON:
 *   total.accepted == pending.packets + buffered.packets + kept.packets + dropped.packets,
 * with `accepted` equal to what the ingest threads saw accepted (TS_OK + TS_PENDING) and every
 * kept packet's point delivered exactly once. Usage: test_stress [packets per thread].
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "tailsampling.h"

#define INGESTERS 3
#define SEC 1000000000LL
#define T0 (1795219200LL * SEC)

static const char *const TOKENS[] = {"tkn_a", "tkn_b", "tkn_c", "tkn_never_configured"};
#define CONFIGURED 3 /* the first three tokens get configs */

static ts_processor *proc;
static long per_thread = 2000;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int ingesters_left = INGESTERS;
static uint64_t accepted, busy, delivered_points;

static int running(void) {
  int left;
  pthread_mutex_lock(&lock);
  left = ingesters_left;
  pthread_mutex_unlock(&lock);
  return left > 0;
}

static void *ingester(void *arg) {
  long id = (long)arg, i;
  uint64_t ok = 0, refused = 0;
  char trace_id[64];
  pb_buf body = {0};
  ts_error *err = NULL;
  ts_status st;

  for (i = 0; i < per_thread; i++) {
    const char *token = TOKENS[i % 4];
    /* Three packets per trace, so groups merge; one trace in four has an error. */
    sprintf(trace_id, "t-%ld-%ld", id, i / 3);
    body.len = 0;
    pb_trace(&body, NULL, trace_id, (i / 3) % 4 == 0 ? "error" : "ok");
    st = ts_ingest(proc, token, strlen(token), body.data, body.len, &err);
    if (st == TS_OK || st == TS_PENDING) {
      ok++;
    } else {
      CHECK_ERR(st, &err, TS_BUSY, NULL); /* only the never-configured token's queue fills */
      refused++;
    }
  }
  pb_free(&body);
  pthread_mutex_lock(&lock);
  accepted += ok;
  busy += refused;
  ingesters_left--;
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void *configurer(void *arg) {
  char config[512];
  int version = 1, t;
  ts_error *err = NULL;
  (void)arg;
  do {
    /* Alternate between keeping errors and keeping everything. */
    sprintf(config,
            "{\"version\": %d, \"trace\": {\"data_ttl\": \"%ds\", \"pipelines\": [{\"name\": \"p\","
            " \"type\": \"condition\", \"condition\": \"%s\", \"action\": \"keep\"}]}}",
            version, 1 + version % 3,
            version % 2 ? "{ status = \\\"error\\\" }" : "{ service = \\\"web\\\" }");
    for (t = 0; t < CONFIGURED; t++) {
      CHECK_ERR(ts_set_config(proc, TOKENS[t], strlen(TOKENS[t]), config, strlen(config), &err),
                &err, TS_OK, NULL);
    }
    version++;
  } while (running());
  return NULL;
}

/* Sums the points of the tracing deliveries of one poll and frees them. */
static uint64_t drain(ts_deliveries *d) {
  uint64_t points = 0;
  size_t i;
  for (i = 0; i < d->len; i++) {
    CHECK(strcmp(d->items[i].data_type, "tracing") == 0);
    CHECK(d->items[i].body_len > 0);
    points += d->items[i].points;
  }
  ts_deliveries_free(d);
  return points;
}

static void *poller(void *arg) {
  ts_deliveries d = {0};
  ts_error *err = NULL;
  int64_t now = T0;
  uint64_t points = 0;
  (void)arg;
  do {
    now += SEC;
    CHECK_ERR(ts_set_time(proc, now, &err), &err, TS_OK, NULL);
    CHECK_ERR(ts_poll_kept(proc, &d, &err), &err, TS_OK, NULL);
    points += drain(&d);
    CHECK_ERR(ts_poll_metrics(proc, &d, &err), &err, TS_OK, NULL);
    ts_deliveries_free(&d);
  } while (running());
  pthread_mutex_lock(&lock);
  delivered_points += points;
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void *stats_reader(void *arg) {
  const char *const path[] = {"total", "accepted", NULL};
  ts_buf b = {0};
  ts_error *err = NULL;
  (void)arg;
  do {
    CHECK_ERR(ts_stats_json(proc, &b, &err), &err, TS_OK, NULL);
    (void)json_u64((const char *)b.data, path);
    ts_buf_free(&b);
  } while (running());
  return NULL;
}

static uint64_t total_of(const char *json, const char *a, const char *b) {
  const char *const path[] = {"total", a, b, NULL};
  return json_u64(json, path);
}

int main(int argc, char **argv) {
  const char *options = "{\"clock\": \"manual\", \"shards\": 4, \"pending_max_packets\": 200}";
  pthread_t threads[INGESTERS + 3];
  ts_deliveries d = {0};
  ts_buf b = {0};
  ts_error *err = NULL;
  const char *json;
  const char *const accepted_path[] = {"total", "accepted", NULL};
  uint64_t total, placed;
  long i;

  if (argc > 1) per_thread = strtol(argv[1], NULL, 10);
  CHECK(per_thread > 0);
  CHECK_ERR(ts_processor_new(options, strlen(options), &proc, &err), &err, TS_OK, NULL);
  CHECK_ERR(ts_set_time(proc, T0, &err), &err, TS_OK, NULL);

  for (i = 0; i < INGESTERS; i++) CHECK(pthread_create(&threads[i], NULL, ingester, (void *)i) == 0);
  CHECK(pthread_create(&threads[INGESTERS], NULL, configurer, NULL) == 0);
  CHECK(pthread_create(&threads[INGESTERS + 1], NULL, poller, NULL) == 0);
  CHECK(pthread_create(&threads[INGESTERS + 2], NULL, stats_reader, NULL) == 0);
  for (i = 0; i < INGESTERS + 3; i++) CHECK(pthread_join(threads[i], NULL) == 0);

  /* Quiescent: decide everything buffered and take the rest. */
  CHECK_ERR(ts_flush(proc, &err), &err, TS_OK, NULL);
  CHECK_ERR(ts_poll_kept(proc, &d, &err), &err, TS_OK, NULL);
  delivered_points += drain(&d);

  CHECK_ERR(ts_stats_json(proc, &b, &err), &err, TS_OK, NULL);
  json = (const char *)b.data;
  total = json_u64(json, accepted_path);
  placed = total_of(json, "pending", "packets") + total_of(json, "buffered", "packets") +
           total_of(json, "kept", "packets") + total_of(json, "dropped", "packets");
  printf("test_stress: %ld packets x %d threads: accepted %llu (busy %llu), kept %llu, "
         "dropped %llu, pending %llu, delivered points %llu\n",
         per_thread, INGESTERS, (unsigned long long)total, (unsigned long long)busy,
         (unsigned long long)total_of(json, "kept", "packets"),
         (unsigned long long)total_of(json, "dropped", "packets"),
         (unsigned long long)total_of(json, "pending", "packets"),
         (unsigned long long)delivered_points);
  CHECK(total == accepted);
  CHECK(total + busy == (uint64_t)per_thread * INGESTERS);
  CHECK(total == placed);
  CHECK(total_of(json, "buffered", "packets") == 0);
  CHECK(total_of(json, "pending", "packets") <= 200);
  CHECK(total_of(json, "kept", "packets") > 0);
  CHECK(total_of(json, "kept", "packets") == delivered_points); /* one point per packet */
  ts_buf_free(&b);
  ts_processor_free(proc);
  return 0;
}
