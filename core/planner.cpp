#include "core/planner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/errors.h"

namespace headroom {
namespace {

// Runs an estimate, treating settings vLLM rejects (e.g. TP not dividing heads) as "no".
std::optional<Estimate> try_estimate(const EngineRequest& req, const LoadedModel& m, std::string* why = nullptr) {
  try {
    return estimate_for(req, m);
  } catch (const InputError& e) {
    if (why) *why = e.what();
    return std::nullopt;
  }
}

}  // namespace

// vLLM serves `concurrency` requests at once only if the KV cache holds them and the
// scheduler admits that many (max_num_seqs).
bool meets(const Estimate& e, int64_t concurrency) {
  return e.fits && e.kv.max_concurrency + 1e-9 >= static_cast<double>(concurrency) &&
         e.settings.max_num_seqs >= concurrency;
}

int64_t solve_max_model_len(const EngineRequest& base, const LoadedModel& m, int64_t concurrency) {
  EngineRequest req = base;
  auto ok = [&](int64_t len) {
    req.max_model_len = len;
    auto e = try_estimate(req, m);
    return e && meets(*e, concurrency);
  };
  // Concurrency falls as the length grows, so the feasible lengths are a prefix.
  int64_t lo = 0, hi = m.spec.max_position_embeddings;
  if (!ok(1)) return 0;
  lo = 1;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

std::optional<double> solve_utilization(const EngineRequest& base, const LoadedModel& m, int64_t concurrency) {
  EngineRequest req = base;
  auto ok = [&](int hundredths) {
    req.gpu_memory_utilization = hundredths / 100.0;
    auto e = try_estimate(req, m);
    return e && meets(*e, concurrency);
  };
  // More utilisation means more KV cache, until vLLM's start-up check refuses a utilisation
  // above the free memory left after the CUDA context (about 0.99): the feasible values form
  // an interval whose top is found first, scanning down from 1.00.
  int hi = 100;
  while (hi > 0 && !ok(hi)) --hi;
  if (hi == 0) return std::nullopt;
  int lo = 1;  // smallest hundredth that works
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo / 100.0;
}

HeatMap build_heatmap(const EngineRequest& base, const LoadedModel& m, int rows, int cols) {
  HeatMap h;
  rows = std::clamp(rows, 1, 128);
  cols = std::clamp(cols, 1, 128);
  const double max_len = static_cast<double>(m.spec.max_position_embeddings);
  const double min_len = std::min(512.0, max_len);
  for (int i = 0; i < rows; ++i) {
    const double f = rows == 1 ? 1.0 : static_cast<double>(i) / (rows - 1);
    int64_t len = static_cast<int64_t>(std::llround(min_len * std::pow(max_len / min_len, f)));
    if (len > 16) len = len / 16 * 16;
    if (h.contexts.empty() || h.contexts.back() != len) h.contexts.push_back(len);
  }
  for (int j = 0; j < cols; ++j) {
    const int64_t c = static_cast<int64_t>(std::llround(std::pow(2.0, 10.0 * j / std::max(1, cols - 1))));
    if (h.concurrencies.empty() || h.concurrencies.back() != c) h.concurrencies.push_back(c);
  }
  EngineRequest req = base;
  for (int64_t len : h.contexts) {
    req.max_model_len = len;
    auto e = try_estimate(req, m);
    h.max_concurrency.push_back(e && e->fits ? e->kv.max_concurrency : 0.0);
  }
  return h;
}

Plan make_plan(const EngineRequest& req_in, const PlanTargets& t, int grid) {
  Plan p;
  EngineRequest req = req_in;
  const LoadedModel m = load_model(req);
  p.targets = t;
  if (p.targets.concurrency <= 0) throw InputError("target_concurrency", "target_concurrency must be at least 1");
  if (p.targets.context > m.spec.max_position_embeddings)
    throw InputError("target_context", "target_context " + std::to_string(p.targets.context) + " exceeds the model's " +
                                           std::to_string(m.spec.max_position_embeddings) + " positions");
  const Estimate first = estimate_for(req, m);  // validates the request; errors name the field
  if (!req.max_num_seqs && p.targets.concurrency > first.settings.max_num_seqs) {
    // The scheduler never runs more than max_num_seqs requests: the answers raise it.
    req.max_num_seqs = p.targets.concurrency;
    p.notes.push_back("max_num_seqs raised to the target concurrency (" + std::to_string(p.targets.concurrency) +
                      "): vLLM admits at most max_num_seqs requests at once");
  }
  const Estimate base = estimate_for(req, m);
  if (p.targets.context <= 0) p.targets.context = base.settings.max_model_len;
  EngineRequest at_target = req;
  at_target.max_model_len = p.targets.context;

  // 1. Largest max_model_len at the target concurrency, and what "auto" would pick.
  p.max_model_len = solve_max_model_len(req, m, p.targets.concurrency);
  if (base.settings.rules.version.at_least(0, 14, 0))
    p.auto_max_model_len = std::min(base.largest_fitting_len, m.spec.max_position_embeddings);
  if (p.max_model_len > 0) {
    EngineRequest r = req;
    r.max_model_len = p.max_model_len;
    p.serve_max_model_len = vllm_serve_line(estimate_for(r, m));
  }

  // 2. gpu_memory_utilization for the targets, and the --kv-cache-memory equivalent.
  p.gpu_memory_utilization = solve_utilization(at_target, m, p.targets.concurrency);
  if (p.gpu_memory_utilization) {
    EngineRequest r = at_target;
    r.gpu_memory_utilization = *p.gpu_memory_utilization;
    const Estimate e = estimate_for(r, m);
    p.serve_utilization = vllm_serve_line(e);
    const int64_t blocks = static_cast<int64_t>(std::ceil(p.targets.concurrency * static_cast<double>(e.kv.blocks_per_request)));
    if (e.settings.rules.version.at_least(0, 11, 0))
      p.kv_cache_memory_gib = static_cast<double>(blocks) * e.rank().kv.block_cost_bytes / kGiB;
  }

  // 3. Smallest TP (then PP) on this GPU.
  for (int64_t tp : {1, 2, 4, 8, 16, 32, 64}) {
    EngineRequest r = at_target;
    r.tensor_parallel_size = tp;
    r.pipeline_parallel_size = 1;
    std::string why;
    auto e = try_estimate(r, m, &why);
    if (!e) {
      p.tp_rejections.push_back("TP " + std::to_string(tp) + ": " + why);
      continue;
    }
    if (meets(*e, p.targets.concurrency)) {
      p.min_tensor_parallel_size = tp;
      p.serve_tp = vllm_serve_line(*e);
      break;
    }
  }
  if (!p.min_tensor_parallel_size) {
    for (int64_t pp : {2, 4, 8, 16}) {
      EngineRequest r = at_target;
      r.tensor_parallel_size = 8;
      r.pipeline_parallel_size = pp;
      auto e = try_estimate(r, m);
      if (e && meets(*e, p.targets.concurrency)) {
        p.min_tensor_parallel_size = 8;
        p.min_pipeline_parallel_size = pp;
        p.serve_tp = vllm_serve_line(*e);
        break;
      }
    }
  }

  // 4. The catalogue GPU with the least memory that fits at the request's TP x PP.
  std::vector<const Gpu*> by_memory;
  for (const auto& g : gpu_catalog()) by_memory.push_back(&g);
  std::stable_sort(by_memory.begin(), by_memory.end(), [](const Gpu* a, const Gpu* b) { return a->memory_bytes < b->memory_bytes; });
  for (const Gpu* g : by_memory) {
    EngineRequest r = at_target;
    r.gpu = g->id;
    auto e = try_estimate(r, m);
    if (e && meets(*e, p.targets.concurrency)) {
      p.smallest_gpu = g->id;
      p.smallest_gpu_name = g->name;
      p.serve_gpu = vllm_serve_line(*e);
      break;
    }
  }

  p.heatmap = build_heatmap(req, m, grid, grid);
  for (const auto& n : base.notes) p.notes.push_back(n);
  return p;
}

}  // namespace headroom
