#include "core/log_check.h"

#include <cmath>
#include <cstdio>

#include "core/budget.h"
#include "core/bundled_models.h"
#include "core/errors.h"
#include "core/gpu_catalog.h"
#include "core/json_fields.h"
#include "core/report_json.h"

namespace headroom {
namespace {

using nlohmann::json;

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

const char* kTerms[] = {"weights_gib", "activation_gib", "non_torch_gib", "cudagraph_gib", "kv_cache_gib"};

// When the log does not print its version, its line formats still date it
// (docs/vllm-memory-model.md §9): a representative release of that era is assumed.
std::optional<std::string> version_from_formats(std::string_view text) {
  auto has = [&](std::string_view needle) { return text.find(needle) != std::string_view::npos; };
  if (has("Estimated CUDA graph memory") || has("CUDA graph pool memory")) return "0.18.0";
  if (has("Available KV cache memory")) return has("Model loading took") && has("GiB memory") ? "0.13.0" : "0.10.2";
  if (has("the current vLLM instance can use")) return "0.7.3";
  if (has("Memory profiling results")) return "0.6.4";
  if (has("# GPU blocks") || has("# CUDA blocks") || has("# cuda blocks")) return "0.6.0";
  return std::nullopt;
}

// Fills request keys the user left out from what the log reveals.
void settings_from_log(json& body, const ParsedLog& log, std::string_view text, std::vector<std::string>& notes) {
  auto fill = [&](const char* key, const json& v) {
    if (!v.is_null() && (!body.contains(key) || body[key].is_null())) body[key] = v;
  };
  fill("tensor_parallel_size", opt(log.tensor_parallel_size));
  fill("pipeline_parallel_size", opt(log.pipeline_parallel_size));
  fill("max_model_len", opt(log.max_model_len ? log.max_model_len : log.max_concurrency_tokens_per_request));
  fill("max_num_seqs", opt(log.max_num_seqs));
  fill("max_num_batched_tokens", opt(log.max_num_batched_tokens));
  fill("gpu_memory_utilization", opt(log.gpu_memory_utilization));
  fill("kv_cache_dtype", opt(log.kv_cache_dtype));
  fill("enforce_eager", opt(log.enforce_eager));
  fill("skip_mm_profiling", opt(log.skip_mm_profiling));
  fill("block_size", opt(log.block_size));
  if (log.vllm_version && (!body.contains("vllm_version") || body["vllm_version"].is_null())) {
    try {
      (void)rules_for(*log.vllm_version);
      body["vllm_version"] = *log.vllm_version;
    } catch (const InputError&) {
      notes.push_back("the log's vLLM version " + *log.vllm_version + " is not one Headroom knows; using the default");
    }
  }
  if (!log.vllm_version && (!body.contains("vllm_version") || body["vllm_version"].is_null())) {
    if (auto v = version_from_formats(text)) {
      body["vllm_version"] = *v;
      notes.push_back("the log does not print its vLLM version; its line formats date it, so " + *v + " is assumed");
    }
  }
  if (!body.contains("gpu") || body["gpu"].is_null()) {
    if (log.gpu_name) {
      try {
        body["gpu"] = find_gpu(*log.gpu_name).id;
      } catch (const InputError&) {
      }
    }
    if ((!body.contains("gpu") || body["gpu"].is_null()) && log.total_gpu_memory_gib) {
      const Gpu* best = nullptr;
      for (const auto& g : gpu_catalog())
        if (!best || std::fabs(g.memory_gib - *log.total_gpu_memory_gib) < std::fabs(best->memory_gib - *log.total_gpu_memory_gib))
          best = &g;
      if (best && std::fabs(best->memory_gib - *log.total_gpu_memory_gib) < 0.5) {
        body["gpu"] = best->id;
        notes.push_back("GPU taken as " + best->name + " from the logged total memory");
      }
    }
  }
  if (log.total_gpu_memory_gib && (!body.contains("gpu_memory_gib") || body["gpu_memory_gib"].is_null()))
    body["gpu_memory_gib"] = *log.total_gpu_memory_gib;
  if (!body.contains("config") && !body.contains("model") && log.model && try_find_bundled_model(*log.model))
    body["model"] = *log.model;
}

std::string explain(const json& logged, const json& predicted) {
  std::string worst;
  double worst_diff = 0;
  for (const char* k : kTerms) {
    if (!logged[k].is_number() || !predicted[k].is_number()) continue;
    const double d = predicted[k].get<double>() - logged[k].get<double>();
    if (std::fabs(d) > std::fabs(worst_diff)) {
      worst_diff = d;
      worst = k;
    }
  }
  if (worst.empty()) return "The log shows none of the memory terms Headroom predicts.";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.2f GiB", worst_diff);
  std::string why;
  if (worst == "activation_gib")
    why = "the activation peak is measured by vLLM; it depends on the sampler backend (FlashInfer, Triton or sort) and "
          "torch.compile, which the log's build may set differently";
  else if (worst == "non_torch_gib")
    why = "non-torch memory depends on NCCL, all-reduce workspaces and the driver, which vary by machine";
  else if (worst == "cudagraph_gib")
    why = "graph memory is a free-memory difference around capture; allocator growth and workspaces make it noisy";
  else if (worst == "weights_gib")
    why = "the checkpoint may differ from the config (extra modules, a different quantisation, or vision weights)";
  else
    why = "the KV cache is what remains, so it carries every other term's error; calibrating to this log removes it";
  return "Largest miss: " + worst + " (" + buf + "): " + why + ".";
}

}  // namespace

json logged_to_json(const ParsedLog& log) {
  return {{"weights_gib", opt(log.weights_gib)},
          {"activation_gib", opt(log.activation_gib)},
          {"non_torch_gib", opt(log.non_torch_gib)},
          {"cudagraph_gib", opt(log.cudagraph_gib)},
          {"cudagraph_estimated_gib", opt(log.cudagraph_estimated_gib)},
          {"kv_cache_gib", opt(log.kv_cache_gib)},
          {"kv_cache_tokens", opt(log.kv_cache_tokens)},
          {"num_gpu_blocks", opt(log.num_gpu_blocks)},
          {"max_concurrency", opt(log.max_concurrency)},
          {"max_concurrency_tokens_per_request", opt(log.max_concurrency_tokens_per_request)},
          {"total_gpu_memory_gib", opt(log.total_gpu_memory_gib)},
          {"gpu_memory_utilization", opt(log.gpu_memory_utilization)},
          {"free_memory_at_startup_gib", opt(log.free_memory_at_startup_gib)},
          {"vllm_version", opt(log.vllm_version)},
          {"model", opt(log.model)},
          {"gpu_name", opt(log.gpu_name)},
          {"tensor_parallel_size", opt(log.tensor_parallel_size)},
          {"pipeline_parallel_size", opt(log.pipeline_parallel_size)},
          {"max_model_len", opt(log.max_model_len)},
          {"max_num_seqs", opt(log.max_num_seqs)},
          {"max_num_batched_tokens", opt(log.max_num_batched_tokens)},
          {"kv_cache_dtype", opt(log.kv_cache_dtype)},
          {"dtype", opt(log.dtype)},
          {"quantization", opt(log.quantization)},
          {"enforce_eager", opt(log.enforce_eager)},
          {"skip_mm_profiling", opt(log.skip_mm_profiling)},
          {"block_size", opt(log.block_size)},
          {"ranks_seen", log.ranks_seen},
          {"lines_recognised", log.lines_recognised}};
}

json check_log_response(const json& body_in) {
  if (!body_in.is_object()) throw InputError("request", "the request must be a JSON object");
  const auto text = opt_string(body_in, "log", "");
  if (!text) throw InputError("log", "log: paste a vLLM start-up log");
  const ParsedLog log = parse_vllm_log(*text);
  json out = {{"ok", true}, {"logged", logged_to_json(log)}, {"parser_notes", log.notes}};
  std::vector<std::string> notes;
  json body = body_in;
  body.erase("log");
  settings_from_log(body, log, *text, notes);
  if (!body.contains("config") && !body.contains("model")) {
    notes.push_back("no config given and the log's model is not bundled: showing the logged figures only");
    out["notes"] = notes;
    return out;
  }
  if (!body.contains("gpu") || body["gpu"].is_null()) {
    notes.push_back("the log does not name the GPU: assumed H100 (pass gpu to change it)");
    body["gpu"] = "H100";
  }
  const EngineRequest req = parse_engine_request(body);
  const Estimate predicted = run_estimate(req);
  json pj = estimate_to_json(predicted);
  out["predicted"] = pj;

  // Calibrate: measured terms replace estimated ones. When the log lacks activation and
  // non-torch (V1 INFO logs), their sum is backed out of the logged KV cache.
  CalibrationOverride ov;
  ov.source = "pasted vLLM log";
  ov.weights_gib = log.weights_gib;
  ov.cudagraph_gib = log.cudagraph_estimated_gib ? log.cudagraph_estimated_gib : log.cudagraph_gib;
  ov.activation_gib = log.activation_gib;
  ov.non_torch_gib = log.non_torch_gib;
  const RankEstimate& r = predicted.rank();
  if (log.kv_cache_gib && log.weights_gib) {
    // The budget must give back the logged KV cache: the activation term absorbs what the
    // log does not show (or rounds to 0.01 GiB), so what-ifs start from the measured budget.
    const double nt = log.non_torch_gib.value_or(r.non_torch_term.value);
    const double cg = r.graphs.subtracted_from_budget ? ov.cudagraph_gib.value_or(r.cudagraph_term.value) : 0.0;
    const double rest = predicted.requested_bytes / kGiB - *log.weights_gib - *log.kv_cache_gib - cg;
    ov.non_torch_gib = nt;
    ov.activation_gib = rest - nt;
    if (!log.activation_gib)
      notes.push_back("the log gives no activation figure: activation calibrated as what the logged KV cache leaves");
    else if (std::fabs(*ov.activation_gib - *log.activation_gib) > 0.02)
      notes.push_back("activation set to " + std::to_string(*ov.activation_gib) + " GiB (logged " +
                      std::to_string(*log.activation_gib) + ") so the budget reproduces the logged KV cache");
  }
  EngineRequest cal_req = req;
  cal_req.calibration_override = ov;
  const Estimate calibrated = run_estimate(cal_req);
  out["calibrated"] = estimate_to_json(calibrated);
  out["calibration_override"] = {{"weights_gib", opt(ov.weights_gib)},
                                 {"activation_gib", opt(ov.activation_gib)},
                                 {"non_torch_gib", opt(ov.non_torch_gib)},
                                 {"cudagraph_gib", opt(ov.cudagraph_gib)},
                                 {"source", ov.source}};
  json diff = json::object();
  for (const char* k : {"weights_gib", "activation_gib", "non_torch_gib", "cudagraph_gib", "kv_cache_gib",
                        "num_gpu_blocks", "kv_cache_tokens", "max_concurrency"})
    if (out["logged"][k].is_number() && pj[k].is_number()) diff[k] = pj[k].get<double>() - out["logged"][k].get<double>();
  out["difference"] = diff;
  out["explanation"] = explain(out["logged"], pj);
  out["notes"] = notes;
  return out;
}

}  // namespace headroom
