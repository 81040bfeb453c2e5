#pragma once
// vLLM serving settings: what the user asked for (EngineRequest, from request JSON or CLI flags)
// and what vLLM would actually use after applying the defaults of that version (Resolved).
#include <cstdint>
#include <optional>
#include <string>

#include "core/gpu_catalog.h"
#include "core/json_fields.h"
#include "core/model_spec.h"
#include "core/vllm_version.h"

namespace headroom {

// Replaces the estimated terms by logged ones ("calibrate to this log", issue 8).
struct CalibrationOverride {
  std::optional<double> activation_gib, non_torch_gib, cudagraph_gib;
  std::optional<double> weights_gib;  // the log's "Model loading took", when known
  std::string source;
};

struct EngineRequest {
  std::string config_text;   // config.json text, or
  std::string model_name;    // a bundled model name
  std::string gpu = "H100";
  int64_t tensor_parallel_size = 1;
  int64_t pipeline_parallel_size = 1;
  std::optional<int64_t> max_model_len, max_num_seqs, max_num_batched_tokens, block_size;
  std::optional<double> gpu_memory_utilization;
  std::optional<double> kv_cache_memory_gib;   // --kv-cache-memory (0.11+), GiB
  std::optional<double> gpu_memory_gib;        // total memory as the runtime reports it, when it
                                               // differs from the catalogue (a log's figure)
  std::string kv_cache_dtype = "auto";
  std::string dtype = "auto";
  std::optional<std::string> quantization;
  bool enforce_eager = false;
  bool skip_mm_profiling = false;  // --skip-mm-profiling
  std::string vllm_version;  // "" = newest known
  std::string entrypoint = "serve";  // "serve" or "llm"
  std::optional<CalibrationOverride> calibration_override;
};

// Reads the estimate request JSON (docs/api.md); throws InputError naming the key.
EngineRequest parse_engine_request(const Json& request);

struct Resolved {
  int64_t tp = 1, pp = 1;
  int64_t max_model_len = 0;
  int64_t max_num_seqs = 0;
  int64_t max_num_batched_tokens = 0;
  double gpu_memory_utilization = 0.9;
  int64_t block_size = 16;
  std::string dtype;           // bfloat16 / float16 / float32
  int dtype_bytes = 2;
  std::string kv_cache_dtype;  // resolved: bfloat16, float16, fp8, ...
  int kv_bytes = 2;
  bool enforce_eager = false;
  bool skip_mm_profiling = false;
  std::string entrypoint;
  VersionRules rules;
  bool max_model_len_defaulted = false;
  bool chunked_prefill = true;
  // An fp8 KV cache of sparse MLA (DeepSeek-V3.2) in DeepSeek's fp8_ds_mla layout (656 B per
  // token: FlashMLA-sparse) rather than plain fp8 (576 B: FlashInfer's sparse MLA).
  bool fp8_ds_mla = false;
};

// Applies vLLM's defaults for the version, GPU and model (§4.2, §6.2). Adds notes to `notes`.
Resolved resolve_settings(const EngineRequest& req, const ModelSpec& model, const Gpu& gpu,
                          std::vector<std::string>& notes);

}  // namespace headroom
