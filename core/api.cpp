#include "core/api.h"

#include <exception>

#include "core/budget.h"
#include "core/bundled_models.h"
#include "core/errors.h"
#include "core/gpu_catalog.h"
#include "core/json_fields.h"
#include "core/log_check.h"
#include "core/model_config.h"
#include "core/planner.h"
#include "core/report_json.h"
#include "core/vllm_version.h"
#include "core/weights.h"

namespace headroom::api {
namespace {

using nlohmann::json;

// Text of a response. Strings echoed from the input (a pasted log, a model name) may hold
// invalid UTF-8; those bytes are replaced rather than failing the whole answer.
std::string to_text(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string error_json(const std::string& field, const std::string& message) {
  return to_text(json{{"ok", false}, {"error", {{"field", field}, {"message", message}}}});
}

// Runs fn and turns every failure into the error JSON: nothing crosses the boundary.
template <typename Fn>
std::string guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const InputError& e) {
    return error_json(e.field(), e.what());
  } catch (const json::exception& e) {
    return error_json("request", std::string("malformed input: ") + e.what());
  } catch (const std::bad_alloc&) {
    return error_json("request", "out of memory while estimating");
  } catch (const std::exception& e) {
    return error_json("internal", std::string("internal error: ") + e.what());
  } catch (...) {
    return error_json("internal", "internal error");
  }
}

json parse_request(std::string_view text) {
  if (text.size() > (size_t{16} << 20)) throw InputError("request", "request larger than 16 MiB");
  return parse_json_text(text, "request");
}

}  // namespace

std::string estimate(std::string_view request_json) {
  return guarded([&] {
    const EngineRequest req = parse_engine_request(parse_request(request_json));
    return estimate_to_text(run_estimate(req));
  });
}

std::string plan(std::string_view request_json) {
  return guarded([&] {
    const json body = parse_request(request_json);
    const EngineRequest req = parse_engine_request(body);
    PlanTargets t;
    t.concurrency = opt_int(body, "target_concurrency", "", 1, 1 << 20).value_or(1);
    t.context = opt_int(body, "target_context", "", 1, int64_t{1} << 27).value_or(0);
    const int grid = static_cast<int>(opt_int(body, "heatmap_size", "", 1, 64).value_or(12));
    const Plan p = make_plan(req, t, grid);
    auto opt = [](const auto& v) { return v ? json(*v) : json(nullptr); };
    json answers = json::array();
    answers.push_back({{"question", "Largest max_model_len at " + std::to_string(p.targets.concurrency) + " concurrent request(s)"},
                       {"answer", p.max_model_len ? std::to_string(p.max_model_len) + " tokens" : std::string("none fits")},
                       {"vllm_serve", p.serve_max_model_len}});
    answers.push_back({{"question", "gpu_memory_utilization for " + std::to_string(p.targets.concurrency) + " x " +
                                        std::to_string(p.targets.context) + " tokens"},
                       {"answer", p.gpu_memory_utilization ? json(*p.gpu_memory_utilization).dump() : std::string("not reachable on this setup")},
                       {"vllm_serve", p.serve_utilization}});
    answers.push_back({{"question", "Smallest tensor parallel size on this GPU"},
                       {"answer", p.min_tensor_parallel_size ? "TP " + std::to_string(*p.min_tensor_parallel_size) +
                                                                  (p.min_pipeline_parallel_size ? " x PP " + std::to_string(*p.min_pipeline_parallel_size) : "")
                                                            : std::string("none up to TP 8 x PP 16")},
                       {"vllm_serve", p.serve_tp}});
    answers.push_back({{"question", "Smallest catalogue GPU that fits"},
                       {"answer", p.smallest_gpu.empty() ? std::string("none in the catalogue") : p.smallest_gpu_name},
                       {"vllm_serve", p.serve_gpu}});
    json heat = {{"contexts", p.heatmap.contexts}, {"concurrencies", p.heatmap.concurrencies},
                 {"max_concurrency", p.heatmap.max_concurrency}};
    return to_text(json{{"ok", true},
                {"target_concurrency", p.targets.concurrency},
                {"target_context", p.targets.context},
                {"max_model_len", p.max_model_len},
                {"auto_max_model_len", p.auto_max_model_len},
                {"gpu_memory_utilization", opt(p.gpu_memory_utilization)},
                {"kv_cache_memory_gib", opt(p.kv_cache_memory_gib)},
                {"min_tensor_parallel_size", opt(p.min_tensor_parallel_size)},
                {"min_pipeline_parallel_size", opt(p.min_pipeline_parallel_size)},
                {"smallest_gpu", p.smallest_gpu.empty() ? json(nullptr) : json(p.smallest_gpu)},
                {"smallest_gpu_name", p.smallest_gpu_name},
                {"vllm_serve", !p.serve_utilization.empty() ? p.serve_utilization : p.serve_tp},
                {"tp_rejections", p.tp_rejections},
                {"answers", answers},
                {"heatmap", heat},
                {"notes", p.notes}});
  });
}

std::string check_log(std::string_view request_json) {
  return guarded([&] { return to_text(check_log_response(parse_request(request_json))); });
}

std::string list_models() {
  return guarded([] {
    json list = json::array();
    for (const auto& m : bundled_models()) {
      json item = {{"name", m.name}};
      try {
        const ModelSpec spec = parse_model_config(m.config_json);
        item["architecture"] = spec.architecture;
        item["params_b"] = total_parameters(spec) / 1e9;
        item["max_position_embeddings"] = spec.max_position_embeddings;
      } catch (const std::exception& e) {
        item["error"] = e.what();
      }
      list.push_back(item);
    }
    return to_text(json{{"ok", true}, {"models", list}});
  });
}

std::string list_gpus() {
  return guarded([] {
    JsonWriter w;
    w.begin_object().field("ok", true).key("gpus").begin_array();
    for (const auto& g : gpu_catalog()) write_gpu(w, g, true);
    return w.end_array().end_object().take();
  });
}

std::string version_info() {
  return guarded([] {
    return to_text(json{{"ok", true},
                {"headroom", "0.1.0"},
                {"default_vllm_version", newest_vllm_version()},
                {"known_vllm_versions", known_vllm_versions()}});
  });
}

}  // namespace headroom::api
