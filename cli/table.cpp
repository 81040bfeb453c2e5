#include "cli/table.h"

#include <cstdio>
#include <sstream>

namespace headroom::cli {
namespace {

using nlohmann::json;

std::string fmt(double v, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string num(const json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number()) return fmt(v.get<double>());
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string with_commas(long long n) {
  std::string s = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return (n < 0 ? "-" : "") + out;
}

}  // namespace

std::string estimate_table(const json& r) {
  std::ostringstream o;
  const json& s = r["settings"];
  const json& m = r["model"];
  o << "Model   " << (m["name"].get<std::string>().empty() ? m["architecture"].get<std::string>() : m["name"].get<std::string>())
    << " (" << m["architecture"].get<std::string>() << ", " << fmt(m["params_b"].get<double>(), 2) << "B params)\n";
  o << "GPU     " << s["num_gpus"].get<long long>() << " x " << r["gpu"]["name"].get<std::string>() << " ("
    << fmt(r["gpu"]["memory_gib"].get<double>()) << " GiB each)\n";
  o << "vLLM    " << s["vllm_version"].get<std::string>() << "  TP=" << s["tensor_parallel_size"] << " PP="
    << s["pipeline_parallel_size"] << "  max_model_len=" << s["max_model_len"] << " max_num_seqs=" << s["max_num_seqs"]
    << " max_num_batched_tokens=" << s["max_num_batched_tokens"] << " gpu_memory_utilization="
    << fmt(s["gpu_memory_utilization"].get<double>()) << " dtype=" << s["dtype"].get<std::string>()
    << " kv_cache_dtype=" << s["kv_cache_dtype"].get<std::string>() << (s["enforce_eager"].get<bool>() ? " enforce_eager" : "")
    << (s["skip_mm_profiling"].get<bool>() ? " skip_mm_profiling" : "") << "\n\n";
  o << "Per GPU (rank that limits the KV cache)        GiB\n";
  auto row = [&](const char* label, const json& v) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "  %-42s %8s\n", label, num(v).c_str());
    o << buf;
  };
  row("total memory (runtime)", r["total_gib"]);
  row("vLLM may use (total x utilization)", r["requested_gib"]);
  row("model weights", r["weights_gib"]);
  row("activation peak (profile run)", r["activation_gib"]);
  row("non-torch (NCCL, cuBLAS, ...)", r["non_torch_gib"]);
  row(r["cudagraph"]["subtracted_from_kv_budget"].get<bool>() ? "CUDA graphs (budgeted)" : "CUDA graphs (outside the budget)",
      r["cudagraph_gib"]);
  row("KV cache (available)", r["kv_cache_gib"]);
  o << "\nKV cache  " << with_commas(r["num_gpu_blocks"].get<long long>()) << " blocks of " << s["block_size"] << " tokens, "
    << with_commas(r["kv_cache_tokens"].get<long long>()) << " tokens; maximum concurrency " << fmt(r["max_concurrency"].get<double>())
    << "x at " << with_commas(s["max_model_len"].get<long long>()) << " tokens per request\n";
  const json& g = r["cudagraph"];
  if (g["captured"].get<bool>())
    o << "Graphs    " << g["mode"].get<std::string>() << ": " << g["capture_sizes"].size() << " sizes up to " << g["largest_capture"]
      << ", " << g["graphs_total"] << " graphs (" << g["piecewise_graphs"] << " sizes x " << g["pieces_per_size"]
      << " pieces + " << g["full_graphs"] << " full); pool " << fmt(g["pool_gib"].get<double>()) << " GiB\n";
  if (r["ranks"].size() > 1) {
    o << "\nRanks (one per pipeline stage)\n  stage layers  weights  activation  non_torch  graphs  kv_cache  blocks\n";
    for (const auto& k : r["ranks"]) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "  %5lld %6lld %8.2f %11.2f %10.2f %7.2f %9.2f %7lld%s\n", k["pp_stage"].get<long long>(),
                    k["layers"].get<long long>(), k["weights_gib"].get<double>(), k["activation_gib"].get<double>(),
                    k["non_torch_gib"].get<double>(), k["cudagraph_gib"].get<double>(), k["kv_cache_gib"].get<double>(),
                    k["num_gpu_blocks_own"].get<long long>(), k["limiting"].get<bool>() ? "  <- limits" : "");
      o << buf;
    }
  }
  o << "\n" << (r["fits"].get<bool>() ? "FITS" : "DOES NOT FIT") << (r["fit_reason"].get<std::string>().empty() ? "" : ": ")
    << r["fit_reason"].get<std::string>() << "\n";
  for (const auto& n : r["notes"]) o << "  note: " << n.get<std::string>() << "\n";
  o << "\n" << r["vllm_serve"].get<std::string>() << "\n";
  return o.str();
}

std::string plan_table(const json& r) {
  std::ostringstream o;
  for (auto it = r.begin(); it != r.end(); ++it) {
    if (it.key() == "ok" || it.key() == "heatmap" || it.key() == "answers") continue;
    o << it.key() << ": " << num(it.value()) << "\n";
  }
  if (r.contains("answers"))
    for (const auto& a : r["answers"]) o << "\n" << a.value("question", "") << "\n  " << a.value("answer", "") << "\n  " << a.value("vllm_serve", "") << "\n";
  return o.str();
}

std::string check_log_table(const json& r) {
  std::ostringstream o;
  const char* keys[] = {"weights_gib", "activation_gib", "non_torch_gib", "cudagraph_gib", "kv_cache_gib",
                        "num_gpu_blocks", "kv_cache_tokens", "max_concurrency"};
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-18s %12s %12s %12s %12s\n", "term", "logged", "predicted", "difference", "calibrated");
  o << buf;
  for (const char* k : keys) {
    const json logged = r["logged"].value(k, json(nullptr));
    const json pred = r.contains("predicted") ? r["predicted"].value(k, json(nullptr)) : json(nullptr);
    const json cal = r.contains("calibrated") ? r["calibrated"].value(k, json(nullptr)) : json(nullptr);
    std::string diff = "-";
    if (logged.is_number() && pred.is_number()) diff = fmt(pred.get<double>() - logged.get<double>());
    std::snprintf(buf, sizeof buf, "%-18s %12s %12s %12s %12s\n", k, num(logged).c_str(), num(pred).c_str(), diff.c_str(),
                  num(cal).c_str());
    o << buf;
  }
  if (r.contains("explanation")) o << "\n" << r["explanation"].get<std::string>() << "\n";
  return o.str();
}

}  // namespace headroom::cli
