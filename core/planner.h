#pragma once
// Solvers for the questions users ask ("what should I set?"), each checked against the
// forward estimate: the answer fits and one step beyond does not.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/budget.h"

namespace headroom {

struct PlanTargets {
  int64_t concurrency = 1;   // requests of target_context tokens served at once
  int64_t context = 0;       // 0: the request's (resolved) max_model_len
};

struct HeatMap {
  std::vector<int64_t> contexts;       // max_model_len values (rows)
  std::vector<int64_t> concurrencies;  // columns
  std::vector<double> max_concurrency; // per context: what fits at that length (0: does not start)
  // cell (i, j) fits when max_concurrency[i] >= concurrencies[j]
};

struct Plan {
  PlanTargets targets;
  int64_t max_model_len = 0;            // largest that starts and serves target concurrency (0: none)
  int64_t auto_max_model_len = 0;       // what --max-model-len auto would pick (0.14+), 0 if none
  std::optional<double> gpu_memory_utilization;  // needed for the targets (nullopt: impossible)
  std::optional<double> kv_cache_memory_gib;      // --kv-cache-memory equivalent (0.11+)
  std::optional<int64_t> min_tensor_parallel_size;
  std::optional<int64_t> min_pipeline_parallel_size;  // with the largest TP, when TP alone is not enough
  std::string smallest_gpu;             // catalogue id, "" if none fits
  std::string smallest_gpu_name;
  std::vector<std::string> tp_rejections;  // TP sizes skipped, with vLLM's reason
  std::string serve_max_model_len, serve_utilization, serve_tp, serve_gpu;  // vllm serve lines
  HeatMap heatmap;
  std::vector<std::string> notes;
};

// `grid` sets the heat map size (contexts x concurrencies).
Plan make_plan(const EngineRequest& req, const PlanTargets& targets, int grid = 12);

// Building blocks, exposed for tests.
bool meets(const Estimate& e, int64_t concurrency);
int64_t solve_max_model_len(const EngineRequest& req, const LoadedModel& m, int64_t concurrency);
std::optional<double> solve_utilization(const EngineRequest& req, const LoadedModel& m, int64_t concurrency);
HeatMap build_heatmap(const EngineRequest& req, const LoadedModel& m, int rows, int cols);

}  // namespace headroom
