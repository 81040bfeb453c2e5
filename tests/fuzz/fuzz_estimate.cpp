// libFuzzer target: the whole estimate through the public boundary (core/api.h), as the CLI, the
// wasm module and the page call it.
//
// Input layout: kHeader bytes that pick the request flags, then a payload.
//   header[0] bit 0 clear: the payload is a config.json text, sent as "config" with the flags;
//   header[0] bit 0 set:   the payload is the whole request JSON (flags unused).
// The flag menus deliberately include out-of-range values, so validation is fuzzed as well.
//
// Findings (abort): an escaping exception or sanitizer report; a reply that is not a JSON object
// with a boolean "ok"; a refusal whose error does not name a field, or that fell through to the
// catch-all "internal"/"malformed input" handlers (every bad input should get a specific
// message); an accepted estimate with a non-finite or negative figure.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/api.h"
#include "core/gpu_catalog.h"
#include "core/vllm_version.h"

namespace {

using nlohmann::json;
constexpr size_t kHeader = 8;

[[noreturn]] void finding(const std::string& what, const std::string& reply) {
  std::fprintf(stderr, "fuzz_estimate: %s\nreply: %.2000s\n", what.c_str(), reply.c_str());
  std::abort();
}

template <typename T>
const T& pick(const std::vector<T>& menu, uint8_t byte) {
  return menu[byte % menu.size()];
}

// Flag values chosen by the header bytes; json() means "leave the key out".
json flags_from(const uint8_t* h) {
  static const std::vector<json> gpus = [] {
    std::vector<json> v{json(), "NoSuchGPU-9000", "", "h100"};
    for (const auto& g : headroom::gpu_catalog()) v.push_back(g.id);
    return v;
  }();
  static const std::vector<json> versions = [] {
    std::vector<json> v{json(), "latest", "0.0.1", "banana", "0.8.5.post1", ""};
    for (const auto& s : headroom::known_vllm_versions()) v.push_back(s);
    return v;
  }();
  static const std::vector<json> parallel{json(), 1, 2, 3, 4, 8, 16, 0, -1, 1024, 1025, 2.5, "2"};
  static const std::vector<json> lengths{json(), 1, 7, 2048, 8192, 131072, 1 << 20, 0, -5, 1e18, "4096"};
  static const std::vector<json> utilization{json(), 0.5, 0.9, 1.0, 0.01, 0.0, 1.5, -0.1, "0.8"};
  static const std::vector<json> kv_dtypes{json(), "auto", "fp8", "fp8_e5m2", "bfloat16", "float32", "int3"};
  static const std::vector<json> dtypes{json(), "auto", "float16", "bfloat16", "float32", "fp64"};
  static const std::vector<json> blocks{json(), 16, 32, 64, 128, 7, 0, 1 << 16, 48};
  static const std::vector<json> seqs{json(), 1, 256, 1024, 0, 1 << 20};
  static const std::vector<json> quant{json(), "fp8", "awq", "bitsandbytes", "none", "nope"};

  json r = json::object();
  auto set = [&r](const char* key, const json& v) {
    if (!v.is_null()) r[key] = v;
  };
  set("gpu", pick(gpus, h[1]));
  set("tensor_parallel_size", pick(parallel, h[2] & 0x0f));
  set("pipeline_parallel_size", pick(parallel, static_cast<uint8_t>(h[2] >> 4)));
  set("vllm_version", pick(versions, h[3]));
  set("max_model_len", pick(lengths, h[4] & 0x0f));
  set("gpu_memory_utilization", pick(utilization, static_cast<uint8_t>(h[4] >> 4)));
  set("kv_cache_dtype", pick(kv_dtypes, h[5] & 0x07));
  set("dtype", pick(dtypes, static_cast<uint8_t>((h[5] >> 3) & 0x07)));
  if (h[5] & 0x40) r["enforce_eager"] = true;
  if (h[5] & 0x80) r["entrypoint"] = "llm";
  if (h[0] & 0x02) r["skip_mm_profiling"] = true;  // bit 0 chooses the request's form
  set("block_size", pick(blocks, h[6] & 0x0f));
  set("max_num_seqs", pick(seqs, static_cast<uint8_t>(h[6] >> 4)));
  set("max_num_batched_tokens", pick(lengths, h[7] & 0x0f));
  set("quantization", pick(quant, static_cast<uint8_t>(h[7] >> 4)));
  return r;
}

void require_number(const json& j, const char* key, const std::string& reply, bool non_negative) {
  const auto it = j.find(key);
  // NaN and infinity serialise as null, so "is a number" also means "was finite".
  if (it == j.end() || !it->is_number()) finding(std::string(key) + " is missing or not finite", reply);
  if (non_negative && it->get<double>() < 0) finding(std::string(key) + " is negative", reply);
}

void check_reply(const std::string& reply) {
  const json j = json::parse(reply, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("ok") || !j["ok"].is_boolean()) finding("reply without boolean ok", reply);
  if (!j["ok"].get<bool>()) {
    const json& err = j.value("error", json());
    if (!err.is_object() || !err.value("field", json()).is_string() || !err.value("message", json()).is_string())
      finding("refusal without error.field / error.message", reply);
    const std::string field = err["field"], message = err["message"];
    if (field.empty() || message.empty()) finding("empty error.field or error.message", reply);
    if (field == "internal" || message.rfind("malformed input", 0) == 0)
      finding("bad input reached a catch-all handler instead of a specific message", reply);
    return;
  }
  for (const char* key : {"weights_gib", "activation_gib", "non_torch_gib", "cudagraph_gib", "total_gib",
                          "requested_gib", "unused_gib", "max_concurrency", "num_gpu_blocks", "kv_cache_tokens"})
    require_number(j, key, reply, true);
  require_number(j, "kv_cache_gib", reply, false);  // negative = "does not fit", a real answer
  for (const auto& t : j["terms"]) require_number(t, "value", reply, false);
  for (const auto& r : j["ranks"])
    for (const char* key : {"weights_gib", "activation_gib", "non_torch_gib", "cudagraph_gib", "kv_cache_gib"})
      require_number(r, key, reply, false);
  if (j.value("fits", false) && (j["num_gpu_blocks"].get<double>() <= 0 || j["kv_cache_gib"].get<double>() <= 0))
    finding("fits:true without KV cache blocks", reply);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kHeader) return 0;
  const std::string payload(reinterpret_cast<const char*>(data + kHeader), size - kHeader);
  std::string request;
  if (data[0] & 1) {
    request = payload;
  } else {
    json r = flags_from(data);
    r["config"] = payload;
    // Invalid UTF-8 cannot be put in a JSON string; the API must still refuse it cleanly.
    request = r.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  check_reply(headroom::api::estimate(request));
  return 0;
}
