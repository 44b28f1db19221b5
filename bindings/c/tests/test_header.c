/* The header alone, as C99 with -Wall -Wextra -Werror -pedantic: it must compile by itself
   and its version macros must agree with the library. */
#include "tailsampling.h"

int main(void) {
  ts_buf b = {0, 0, 0};
  ts_deliveries d = {0, 0, 0};
  ts_delivery item = {0};
  ts_status st = TS_OK;
  ts_buf_free(&b);
  ts_deliveries_free(&d);
  return ts_abi_version() == TS_ABI_VERSION && st == TS_OK && item.points == 0 ? 0 : 1;
}
