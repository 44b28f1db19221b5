/*
 * A minimal tailsampling host: the first thing a C integrator reads.
 *
 *   example --token TOKEN --config CONFIG.json [--options JSON] [PACKET ...]
 *
 * Each PACKET file holds one DataPacket, the body of a `POST /v1/tail_sampling` (no PACKET,
 * or "-": one packet from standard input). The host installs CONFIG for TOKEN, ingests every
 * packet as TOKEN, flushes (decides every group now, as a host does before exit), then prints
 * what it would write upstream: the kept data and the built-in metrics, and the stats.
 *
 * Build: cc -std=c99 example.c $(pkg-config --cflags --libs tailsampling)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tailsampling.h"

/* Reads a whole file ("-" is standard input). Returns NULL on failure. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  char *data = NULL;
  size_t cap = 0, n;
  *len = 0;
  if (f == NULL) return NULL;
  do {
    if (*len == cap) {
      size_t grown_cap = cap ? cap * 2 : 4096;
      char *grown = realloc(data, grown_cap);
      if (grown == NULL) break;
      data = grown;
      cap = grown_cap;
    }
    n = fread(data + *len, 1, cap - *len, f);
    *len += n;
  } while (n > 0);
  if (ferror(f) || *len == cap) { /* a read error, or realloc failed */
    free(data);
    data = NULL;
  }
  if (f != stdin) fclose(f);
  return data;
}

/* Prints a failed call's status and error, frees the error, returns 1. */
static int fail(const char *what, ts_status st, ts_error *err) {
  fprintf(stderr, "%s: %s (HTTP %u): %s\n", what, ts_status_str(st), (unsigned)ts_status_http(st),
          ts_error_message(err));
  ts_error_free(err);
  return 1;
}

/* Prints one poll's deliveries: where a host would POST each body. */
static void print_deliveries(const char *kind, const ts_deliveries *d) {
  size_t i;
  printf("%s: %zu deliveries\n", kind, d->len);
  for (i = 0; i < d->len; i++) {
    const ts_delivery *it = &d->items[i];
    printf("  POST %s?token=%.*s  Content-Type: %s  %zu bytes, %llu points\n", it->path,
           (int)it->token_len, it->token, it->content_type, it->body_len,
           (unsigned long long)it->points);
  }
}

int main(int argc, char **argv) {
  const char *token = NULL, *config_path = NULL, *options = "";
  const char *stdin_only[] = {"-"};
  const char **packets;
  int n_packets, i, a;
  ts_processor *p = NULL;
  ts_error *err = NULL; /* always NULL before a call: a failing call stores a new error */
  ts_deliveries kept = {0}, metrics = {0};
  ts_buf stats = {0};
  ts_status st;
  char *config;
  size_t config_len;

  for (a = 1; a + 1 < argc && strncmp(argv[a], "--", 2) == 0; a += 2) {
    if (strcmp(argv[a], "--token") == 0) token = argv[a + 1];
    else if (strcmp(argv[a], "--config") == 0) config_path = argv[a + 1];
    else if (strcmp(argv[a], "--options") == 0) options = argv[a + 1];
    else break;
  }
  if (token == NULL || config_path == NULL || (a < argc && strncmp(argv[a], "--", 2) == 0)) {
    fprintf(stderr, "usage: %s --token TOKEN --config CONFIG.json [--options JSON] [PACKET ...]\n",
            argv[0]);
    return 2;
  }
  packets = a < argc ? (const char **)(argv + a) : stdin_only;
  n_packets = a < argc ? argc - a : 1;
  printf("tailsampling %s (ABI %u)\n", ts_version(), (unsigned)ts_abi_version());

  /* 1. A processor. Options are JSON; "" means the defaults. */
  st = ts_processor_new(options, strlen(options), &p, &err);
  if (st != TS_OK) return fail("ts_processor_new", st, err);

  /* 2. The token's sampling config, as a Datakit posts it. */
  config = read_file(config_path, &config_len);
  if (config == NULL) {
    perror(config_path);
    ts_processor_free(p);
    return 1;
  }
  st = ts_set_config(p, token, strlen(token), config, config_len, &err);
  free(config);
  if (st != TS_OK) {
    fail("ts_set_config", st, err);
    ts_processor_free(p);
    return 1;
  }

  /* 3. Every packet, as the authenticated token. A refused packet is answered with
        ts_status_http(st): the client then writes directly, nothing is lost. */
  for (i = 0; i < n_packets; i++) {
    size_t len;
    char *body = read_file(packets[i], &len);
    if (body == NULL) {
      perror(packets[i]);
      continue;
    }
    err = NULL;
    st = ts_ingest(p, token, strlen(token), (const uint8_t *)body, len, &err);
    printf("%s: %s (HTTP %u)%s%s\n", packets[i], ts_status_str(st), (unsigned)ts_status_http(st),
           err ? ": " : "", err ? ts_error_message(err) : "");
    ts_error_free(err);
    err = NULL;
    free(body);
  }

  /* 4. Drain: decide everything now, then take what to write upstream. A long-running host
        polls periodically instead (ts_poll_kept decides the groups whose TTL elapsed). */
  if ((st = ts_flush(p, &err)) != TS_OK || (st = ts_poll_kept(p, &kept, &err)) != TS_OK ||
      (st = ts_poll_metrics(p, &metrics, &err)) != TS_OK ||
      (st = ts_stats_json(p, &stats, &err)) != TS_OK) {
    fail("drain", st, err);
  } else {
    print_deliveries("kept", &kept);
    print_deliveries("metrics", &metrics);
    printf("stats: %s\n", (const char *)stats.data); /* ts_buf text is NUL-terminated */
  }

  /* 5. Free everything: outputs first or last, in any order; each _free takes NULL or a
        zeroed struct. */
  ts_deliveries_free(&kept);
  ts_deliveries_free(&metrics);
  ts_buf_free(&stats);
  ts_processor_free(p);
  return st == TS_OK ? 0 : 1;
}
