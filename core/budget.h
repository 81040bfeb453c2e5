#pragma once
// vLLM's start-up budget equation per rank (docs/vllm-memory-model.md §2, §10):
//   avail = requested - weights - activation - non_torch [- cuda_graphs from v0.21]
// then KV blocks per rank, the minimum over ranks, tokens, concurrency and the verdict.
#include <optional>
#include <string>
#include <vector>

#include "core/activation.h"
#include "core/cuda_graphs.h"
#include "core/gpu_catalog.h"
#include "core/kv_cache.h"
#include "core/model_spec.h"
#include "core/settings.h"
#include "core/term.h"
#include "core/weights.h"

namespace headroom {

struct RankEstimate {
  int64_t pp_stage = 0;
  RankWeights weights;
  ActivationEstimate activation;
  CudaGraphEstimate graphs;
  KvLayout kv;
  Term weights_term, activation_term, non_torch_term, cudagraph_term;
  double avail_bytes = 0;  // "Available KV cache memory"
  int64_t own_blocks = 0;  // before the minimum over ranks
};

struct Estimate {
  ModelSpec model;
  Gpu gpu;
  Resolved settings;
  QuantSpec quant;
  std::string model_name;  // bundled id, or _name_or_path, or ""
  std::vector<RankEstimate> ranks;  // one per pipeline stage (TP ranks within a stage are identical)
  size_t limiting = 0;              // rank whose blocks are the minimum
  KvSizing kv;
  double total_bytes = 0, requested_bytes = 0, startup_free_bytes = 0;
  bool fits = false;
  std::string fit_reason;
  int64_t largest_fitting_len = 0;  // largest max_model_len one request fits in (0: none)
  std::vector<std::string> notes;

  const RankEstimate& rank() const { return ranks[limiting]; }
  double kv_cache_gib() const;
  double unused_gib() const;
};

// A parsed model and the name it goes by (bundled id or the config's _name_or_path).
struct LoadedModel {
  ModelSpec spec;
  std::string name;
};

// Throws InputError naming the field for anything it cannot use.
LoadedModel load_model(const EngineRequest& request);
Estimate run_estimate(const EngineRequest& request);
// The same with the model already parsed (solvers call this many times).
Estimate estimate_for(const EngineRequest& request, const LoadedModel& model);

// The largest max_model_len whose one request fits `num_blocks` (binary search, §2.2).
int64_t largest_len_for_blocks(const KvLayout& kv, const Resolved& s, int64_t num_blocks, int64_t upper);

// A `vllm serve` command line for these settings.
std::string vllm_serve_line(const Estimate& e);

}  // namespace headroom
