/* Writes DIR/packet-N.pb: N one-span trace DataPackets (every third one with an error), the
   input `make c-test` feeds bindings/c/example.c. Usage: gen_packets DIR N */
#include <stdio.h>
#include <stdlib.h>

#include "support.h"

int main(int argc, char **argv) {
  char path[4096], trace_id[32];
  pb_buf body = {0};
  long i, n;
  FILE *f;

  if (argc != 3) {
    fprintf(stderr, "usage: %s DIR N\n", argv[0]);
    return 2;
  }
  n = strtol(argv[2], NULL, 10);
  for (i = 0; i < n; i++) {
    sprintf(trace_id, "trace-%ld", i);
    body.len = 0;
    pb_trace(&body, NULL, trace_id, i % 3 == 0 ? "error" : "ok");
    CHECK(snprintf(path, sizeof path, "%s/packet-%ld.pb", argv[1], i) < (int)sizeof path);
    f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK(fwrite(body.data, 1, body.len, f) == body.len);
    CHECK(fclose(f) == 0);
  }
  pb_free(&body);
  return 0;
}
