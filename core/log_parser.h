#pragma once
// Reads the memory figures and settings that a vLLM start-up log reveals (issue 8, "bring your
// own log"). Knows every start-up memory line vLLM has printed since v0.4 (format strings in
// docs/vllm-memory-model.md §9); knows nothing about predicting them. No I/O, never throws.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace headroom {

// What one log says. Every field is optional: empty means "the log did not show it".
// Memory terms are GiB per rank as logged; when ranks disagree the first value is kept and the
// others are listed in `notes`.
struct ParsedLog {
  // Observed memory terms.
  std::optional<double> weights_gib;              // "Model loading took X GiB" and its ancestors
  std::optional<double> activation_gib;           // torch peak increase during the profile run
  std::optional<double> non_torch_gib;            // non-torch increase (NCCL, cuBLAS, ...)
  std::optional<double> cudagraph_gib;            // "Graph capturing finished ..., took X GiB"
  std::optional<double> cudagraph_estimated_gib;  // v0.18+ "Estimated CUDA graph memory"
  std::optional<double> kv_cache_gib;             // "Available KV cache memory: X GiB"
  std::optional<long long> kv_cache_tokens;       // "GPU KV cache size: N tokens"
  std::optional<long long> num_gpu_blocks;        // V0 "# GPU blocks: N" (V1 rarely logs it)
  std::optional<double> max_concurrency;          // "Maximum concurrency for L tokens ...: Xx"
  std::optional<long long> max_concurrency_tokens_per_request;  // the L of that line
  std::optional<double> total_gpu_memory_gib;
  std::optional<double> gpu_memory_utilization;
  std::optional<double> free_memory_at_startup_gib;
  // Settings the log reveals.
  std::optional<std::string> vllm_version;
  std::optional<std::string> model;
  std::optional<std::string> gpu_name;
  std::optional<int> tensor_parallel_size, pipeline_parallel_size;
  std::optional<long long> max_model_len, max_num_seqs, max_num_batched_tokens;
  std::optional<std::string> kv_cache_dtype, dtype, quantization;
  std::optional<bool> enforce_eager;
  std::optional<bool> skip_mm_profiling;
  std::optional<int> block_size;
  std::vector<std::string> ranks_seen;  // worker prefixes, e.g. "VllmWorker TP0", "Worker_PP1_TP3"
  std::vector<std::string> notes;       // what was read from where, and what disagreed
  int lines_recognised = 0;
};

// Parses a whole pasted log. Unrecognised lines are skipped; any input, however broken, gives a
// (possibly empty) ParsedLog in time linear in its length.
//   auto log = parse_vllm_log("INFO ... Available KV cache memory: 55.15 GiB");
//   // log.kv_cache_gib == 55.15
ParsedLog parse_vllm_log(std::string_view text);

}  // namespace headroom
