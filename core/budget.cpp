#include "core/budget.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/bundled_models.h"
#include "core/calibration.h"
#include "core/errors.h"
#include "core/json_fields.h"
#include "core/model_config.h"
#include "core/runtime_overhead.h"

namespace headroom {
namespace {

std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", bytes / kGiB);
  return buf;
}

Term weights_term(const RankWeights& w, const QuantSpec& q, const Resolved& s) {
  Term t;
  t.key = "weights_gib";
  t.label = "Model weights";
  t.value = w.total_bytes() / kGiB;
  t.formula = "sum of this rank's parameter bytes: vocabulary padded to 64 and split over TP, attention heads / TP "
              "(KV heads replicated when fewer than TP), MLP and experts / TP, norms replicated, layers split over PP";
  nlohmann::json parts = nlohmann::json::object();
  for (const auto& p : w.parts) parts[p.name] = p.bytes / kGiB;
  t.inputs = {{"parts_gib", parts},
              {"dtype", s.dtype},
              {"quantization", q.name},
              {"pp_stage", w.pp_stage},
              {"layers", w.num_layers}};
  return t;
}

}  // namespace

double Estimate::kv_cache_gib() const { return rank().avail_bytes / kGiB; }

double Estimate::unused_gib() const {
  const RankEstimate& r = rank();
  const double used = r.weights_term.value + r.activation_term.value + r.non_torch_term.value + r.cudagraph_term.value +
                      std::max(0.0, r.avail_bytes / kGiB);
  return std::max(0.0, total_bytes / kGiB - used);
}

int64_t largest_len_for_blocks(const KvLayout& kv, const Resolved& s, int64_t num_blocks, int64_t upper) {
  if (num_blocks <= 0) return 0;
  int64_t lo = 0, hi = std::max<int64_t>(upper, 1);
  while (lo < hi) {  // largest len with blocks_per_request(len) <= num_blocks
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (blocks_per_request(kv, s, mid) <= num_blocks) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

namespace {

// Parsing the config is the largest part of an estimate; the page re-estimates the same model
// on every keystroke and the solvers dozens of times, so the last few parses are kept.
LoadedModel parse_loaded_model(const EngineRequest& req);

}  // namespace

LoadedModel load_model(const EngineRequest& req) {
  struct Entry {
    std::string key;
    LoadedModel model;
  };
  thread_local std::vector<Entry> cache;
  const std::string key = req.config_text.empty() ? "bundled:" + req.model_name : "config:" + req.config_text;
  for (size_t i = 0; i < cache.size(); ++i)
    if (cache[i].key == key) {
      if (i != 0) std::swap(cache[i], cache[0]);  // most recent first
      return cache[0].model;
    }
  LoadedModel lm = parse_loaded_model(req);  // throws for bad input: nothing is cached then
  if (cache.size() >= 4) cache.pop_back();
  cache.insert(cache.begin(), Entry{key, lm});
  return lm;
}

namespace {

LoadedModel parse_loaded_model(const EngineRequest& req) {
  LoadedModel lm;
  std::string_view config_text = req.config_text;
  if (config_text.empty()) {
    const BundledModel& bm = find_bundled_model(req.model_name);
    config_text = bm.config_json;
    lm.name = bm.name;
  }
  if (config_text.size() > (size_t{8} << 20))
    throw InputError("config", "config: " + std::to_string(config_text.size() >> 20) +
                                   " MiB is far larger than any config.json (limit 8 MiB)");
  lm.spec = parse_model_config(config_text);
  if (lm.name.empty()) {
    const Json root = Json::parse(config_text, nullptr, false);
    if (root.is_object() && root.contains("_name_or_path") && root["_name_or_path"].is_string())
      lm.name = root["_name_or_path"].get<std::string>().substr(0, 200);
  }
  return lm;
}

// Whether vLLM starts and why not, in the order vLLM would fail, plus the notes that follow
// from the verdict.
void decide_fit(Estimate& e, const EngineRequest& req, const Calibration& k) {
  const Resolved& s = e.settings;
  const bool multi = s.tp * s.pp > 1;
  const RankEstimate& lim = e.rank();
  e.fits = true;
  if (s.rules.era >= BudgetEra::E5 && e.startup_free_bytes < e.requested_bytes && !req.kv_cache_memory_gib) {
    e.fits = false;
    e.fit_reason = "vLLM refuses to start: free memory at start-up (about " + gib(e.startup_free_bytes) +
                   " GiB after the CUDA context" + (multi ? " and NCCL" : "") + ") is less than gpu_memory_utilization x total = " +
                   gib(e.requested_bytes) + " GiB; lower gpu_memory_utilization";
  } else if (lim.avail_bytes <= 0) {
    e.fits = false;
    e.fit_reason = "no memory left for the KV cache: weights, activation, non-torch" +
                   std::string(lim.graphs.subtracted_from_budget ? " and CUDA graphs" : "") + " take " +
                   gib(e.requested_bytes - lim.avail_bytes) + " GiB of the " + gib(e.requested_bytes) +
                   " GiB vLLM may use (gpu_memory_utilization x total)";
  } else if (!e.kv.one_request_fits) {
    e.fits = false;
    const double need = static_cast<double>(e.kv.blocks_per_request) * lim.kv.block_cost_bytes;
    e.fit_reason = "max_model_len " + std::to_string(s.max_model_len) + " needs " + gib(need) +
                   " GiB of KV cache for one request, more than the " + gib(lim.avail_bytes) +
                   " GiB available; the largest max_model_len that fits is " + std::to_string(e.largest_fitting_len);
  } else if (s.max_model_len > e.model.max_position_embeddings) {
    e.fits = false;
    e.fit_reason = "max_model_len " + std::to_string(s.max_model_len) + " exceeds the model's max_position_embeddings (" +
                   std::to_string(e.model.max_position_embeddings) + "); vLLM refuses it unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1";
  }
  if (e.fits && !lim.graphs.subtracted_from_budget && lim.graphs.captured) {
    const double headroom = e.total_bytes - e.requested_bytes - k.cuda_context_gib.value * kGiB -
                            (multi && !s.rules.nccl_in_non_torch ? k.nccl_init_gib.value * kGiB : 0.0);
    if (lim.cudagraph_term.value * kGiB > headroom)
      e.notes.push_back("CUDA graphs (" + gib(lim.cudagraph_term.value * kGiB) + " GiB) are not budgeted by this vLLM version and "
                        "may not fit in the " + gib(std::max(0.0, headroom)) + " GiB left outside gpu_memory_utilization: "
                        "capture could run out of memory");
  }
  if (e.kv.one_request_fits && e.kv.max_concurrency < 1.0 + 1e-9 && e.fits)
    e.notes.push_back("only one request of max_model_len fits at a time");
}

}  // namespace

Estimate run_estimate(const EngineRequest& req) { return estimate_for(req, load_model(req)); }

Estimate estimate_for(const EngineRequest& req, const LoadedModel& lm) {
  Estimate e;
  e.model = lm.spec;
  e.model_name = lm.name;
  e.gpu = find_gpu(req.gpu);
  if (req.gpu_memory_gib) {
    e.gpu.memory_bytes = static_cast<int64_t>(*req.gpu_memory_gib * kGiB);
    e.gpu.memory_gib = *req.gpu_memory_gib;
    e.gpu.memory_source = "given in the request (gpu_memory_gib)";
  }
  e.notes = e.model.notes;
  e.settings = resolve_settings(req, e.model, e.gpu, e.notes);
  Resolved& s = e.settings;
  e.quant = effective_quant(e.model, req.quantization ? &*req.quantization : nullptr, e.notes);
  if ((e.quant.method == QuantMethod::kFp8PerTensor || e.quant.method == QuantMethod::kFp8Block ||
       e.quant.method == QuantMethod::kFp8PerChannel) && !e.gpu.fp8)
    e.notes.push_back(e.gpu.name + " has no FP8 tensor cores: vLLM runs FP8 weights through the weight-only Marlin path (same storage)");
  if (s.kv_bytes == 1 && !e.gpu.fp8 && !e.gpu.is_rocm())
    e.notes.push_back("fp8 KV cache on " + e.gpu.name + ": stored as fp8, computed in higher precision");

  const Calibration& k = calibration();
  e.total_bytes = static_cast<double>(e.gpu.memory_bytes);
  e.requested_bytes = s.rules.ceil_requested ? std::ceil(e.total_bytes * s.gpu_memory_utilization)
                                             : e.total_bytes * s.gpu_memory_utilization;
  const bool multi = s.tp * s.pp > 1;
  e.startup_free_bytes = e.total_bytes - k.cuda_context_gib.value * kGiB - (multi ? k.nccl_init_gib.value * kGiB : 0.0);

  const auto& ov = req.calibration_override;
  for (int64_t stage = 0; stage < s.pp; ++stage) {
    RankEstimate r;
    r.pp_stage = stage;
    r.weights = weights_for_stage(e.model, e.quant, s.dtype_bytes, s.tp, s.pp, stage);
    if (e.gpu.is_rocm() && e.model.moe && !e.quant.quantized() && s.rules.version.text.find("+rhai") != std::string::npos) {
      // Red Hat AI builds on ROCm keep extra bf16 expert storage (calibration entry).
      for (auto& part : r.weights.parts)
        if (part.name == "moe experts") {
          r.weights.parts.push_back({"rocm expert overhead", part.bytes * k.rocm_redhat_bf16_expert_overhead.value});
          break;
        }
      if (stage == 0)
        e.notes.push_back("Red Hat AI vLLM build on ROCm: bf16 MoE experts observed to take " +
                          std::to_string(static_cast<int>(k.rocm_redhat_bf16_expert_overhead.value * 100)) + "% more memory");
    }
    r.weights_term = weights_term(r.weights, e.quant, s);
    r.activation = estimate_activation(e.model, s, k, stage == 0, stage == s.pp - 1,
                                       e.quant.method == QuantMethod::kMxfp4);
    r.activation_term = activation_term(r.activation, e.model, s, k);
    if (!r.activation.multimodal.why.empty()) e.notes.push_back("multimodal profile pass: " + r.activation.multimodal.why);
    r.non_torch_term = non_torch_term(s, e.gpu, k);
    r.graphs = estimate_cuda_graphs(e.model, s, e.gpu, k, r.weights.first_layer, r.weights.num_layers);
    r.cudagraph_term = cuda_graph_term(r.graphs, k, e.gpu);
    if (ov) {
      auto apply = [&](Term& t, const std::optional<double>& v) {
        if (!v) return;
        t.value = *v;
        t.formula = "taken from the pasted log (calibrated)";
        t.calibration = ov->source;
      };
      apply(r.activation_term, ov->activation_gib);
      apply(r.non_torch_term, ov->non_torch_gib);
      apply(r.cudagraph_term, ov->cudagraph_gib);
      apply(r.weights_term, ov->weights_gib);
    }
    r.kv = plan_kv_layout(e.model, s, r.weights.first_layer, r.weights.num_layers);
    double non_kv = (r.weights_term.value + r.activation_term.value + r.non_torch_term.value) * kGiB;
    if (r.graphs.subtracted_from_budget) non_kv += r.cudagraph_term.value * kGiB;
    r.avail_bytes = req.kv_cache_memory_gib ? *req.kv_cache_memory_gib * kGiB : e.requested_bytes - non_kv;
    r.own_blocks = blocks_for_budget(r.kv, r.avail_bytes);
    e.ranks.push_back(std::move(r));
  }
  for (const auto& n : e.ranks.front().kv.notes) e.notes.push_back(n);
  for (size_t i = 1; i < e.ranks.size(); ++i)
    if (e.ranks[i].own_blocks < e.ranks[e.limiting].own_blocks) e.limiting = i;

  const RankEstimate& lim = e.rank();
  e.kv = size_kv(lim.kv, s, lim.own_blocks);
  // vLLM refuses lengths beyond the model's positions, so that is the ceiling of the answer.
  e.largest_fitting_len = largest_len_for_blocks(lim.kv, s, lim.own_blocks, e.model.max_position_embeddings);

  decide_fit(e, req, k);
  return e;
}

std::string vllm_serve_line(const Estimate& e) {
  const Resolved& s = e.settings;
  std::string line = "vllm serve " + (e.model_name.empty() ? std::string("<model>") : e.model_name);
  auto add = [&](const std::string& flag, const std::string& v) { line += " --" + flag + " " + v; };
  if (s.tp > 1) add("tensor-parallel-size", std::to_string(s.tp));
  if (s.pp > 1) add("pipeline-parallel-size", std::to_string(s.pp));
  add("max-model-len", std::to_string(s.max_model_len));
  add("max-num-seqs", std::to_string(s.max_num_seqs));
  add("max-num-batched-tokens", std::to_string(s.max_num_batched_tokens));
  char u[16];
  std::snprintf(u, sizeof u, "%.2f", s.gpu_memory_utilization);
  add("gpu-memory-utilization", u);
  if (s.kv_bytes == 1) add("kv-cache-dtype", s.kv_cache_dtype);
  if (e.quant.from_flag) add("quantization", e.quant.name);
  if (s.block_size != 16) add("block-size", std::to_string(s.block_size));
  if (s.enforce_eager) line += " --enforce-eager";
  if (s.skip_mm_profiling) line += " --skip-mm-profiling";
  return line;
}

}  // namespace headroom
