// The header compiled as C++ (-std=c++11 -Wall -Wextra -Werror -pedantic) and linked: the
// extern "C" guards give the functions C linkage.
#include "tailsampling.h"

#include <cstdio>
#include <cstring>

int main() {
  ts_buf b = ts_buf();
  ts_deliveries d = ts_deliveries();
  ts_buf_free(&b);
  ts_deliveries_free(&d);
  ts_error *err = nullptr;
  ts_processor *p = nullptr;
  if (ts_processor_new(nullptr, 0, &p, &err) != TS_OK) return 1;
  ts_processor_free(p);
  if (ts_abi_version() != TS_ABI_VERSION) return 1;
  if (std::strcmp(ts_status_str(TS_BUSY), "busy") != 0) return 1;
  std::printf("test_header_cpp: ok (tailsampling %s)\n", ts_version());
  return 0;
}
