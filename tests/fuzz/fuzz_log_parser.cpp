// libFuzzer target: arbitrary bytes as a pasted vLLM start-up log.
// parse_vllm_log promises never to throw and to take time linear in the input; an escaping
// exception, a sanitizer report, a libFuzzer timeout, or a non-finite figure is a finding.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "core/log_parser.h"

namespace {

void check_finite(const std::optional<double>& v, const char* name) {
  if (v && !std::isfinite(*v)) {
    std::fprintf(stderr, "fuzz_log_parser: %s is not finite\n", name);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const headroom::ParsedLog log = headroom::parse_vllm_log(text);
  check_finite(log.weights_gib, "weights_gib");
  check_finite(log.activation_gib, "activation_gib");
  check_finite(log.non_torch_gib, "non_torch_gib");
  check_finite(log.cudagraph_gib, "cudagraph_gib");
  check_finite(log.cudagraph_estimated_gib, "cudagraph_estimated_gib");
  check_finite(log.kv_cache_gib, "kv_cache_gib");
  check_finite(log.max_concurrency, "max_concurrency");
  check_finite(log.total_gpu_memory_gib, "total_gpu_memory_gib");
  check_finite(log.gpu_memory_utilization, "gpu_memory_utilization");
  check_finite(log.free_memory_at_startup_gib, "free_memory_at_startup_gib");
  if (log.lines_recognised < 0) std::abort();
  return 0;
}
