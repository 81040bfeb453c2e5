#include "cli/flags.h"

#include <cmath>
#include <cstdlib>
#include <map>

namespace headroom::cli {
namespace {

enum class Kind { kInt, kFloat, kString, kBool };

struct FlagSpec {
  const char* key;  // request JSON key
  Kind kind;
};

// Flag names are vLLM's (contract: add, never rename).
const std::map<std::string, FlagSpec>& estimate_flags() {
  static const std::map<std::string, FlagSpec> f = {
      {"--gpu", {"gpu", Kind::kString}},
      {"--tensor-parallel-size", {"tensor_parallel_size", Kind::kInt}},
      {"-tp", {"tensor_parallel_size", Kind::kInt}},
      {"--pipeline-parallel-size", {"pipeline_parallel_size", Kind::kInt}},
      {"-pp", {"pipeline_parallel_size", Kind::kInt}},
      {"--max-model-len", {"max_model_len", Kind::kInt}},
      {"--max-num-seqs", {"max_num_seqs", Kind::kInt}},
      {"--max-num-batched-tokens", {"max_num_batched_tokens", Kind::kInt}},
      {"--gpu-memory-utilization", {"gpu_memory_utilization", Kind::kFloat}},
      {"--kv-cache-memory-gib", {"kv_cache_memory_gib", Kind::kFloat}},
      {"--kv-cache-dtype", {"kv_cache_dtype", Kind::kString}},
      {"--block-size", {"block_size", Kind::kInt}},
      {"--dtype", {"dtype", Kind::kString}},
      {"--quantization", {"quantization", Kind::kString}},
      {"-q", {"quantization", Kind::kString}},
      {"--enforce-eager", {"enforce_eager", Kind::kBool}},
      {"--skip-mm-profiling", {"skip_mm_profiling", Kind::kBool}},
      {"--vllm-version", {"vllm_version", Kind::kString}},
      {"--entrypoint", {"entrypoint", Kind::kString}},
  };
  return f;
}

const std::map<std::string, FlagSpec>& plan_flags() {
  static const std::map<std::string, FlagSpec> f = {
      {"--target-concurrency", {"target_concurrency", Kind::kInt}},
      {"--target-context", {"target_context", Kind::kInt}},
  };
  return f;
}

nlohmann::json convert(const std::string& flag, Kind kind, const std::string& v) {
  // Numbers stay text-checked here; range checks happen in the core, which names the field.
  char* end = nullptr;
  if (kind == Kind::kInt) {
    errno = 0;
    long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno == ERANGE) throw UsageError(flag + " expects a whole number, got \"" + v + "\"");
    return n;
  }
  if (kind == Kind::kFloat) {
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !std::isfinite(d)) throw UsageError(flag + " expects a finite number, got \"" + v + "\"");
    return d;
  }
  return v;
}

}  // namespace

ParsedArgs parse_flags(const std::vector<std::string>& args, bool allow_plan_flags, bool allow_log_flag) {
  ParsedArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i], value;
    bool has_inline = false;
    if (auto eq = flag.find('='); eq != std::string::npos && flag.rfind("--", 0) == 0) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_inline = true;
    }
    auto need_value = [&]() -> std::string {
      if (has_inline) return value;
      if (i + 1 >= args.size()) throw UsageError(flag + " needs a value");
      return args[++i];
    };
    if (flag == "--json") {
      out.json_output = true;
      continue;
    }
    if (flag == "--config" || flag == "--model") {
      out.config_path = need_value();
      continue;
    }
    if (flag == "--log" && allow_log_flag) {
      out.log_path = need_value();
      continue;
    }
    const std::map<std::string, FlagSpec>* tables[] = {&estimate_flags(), allow_plan_flags ? &plan_flags() : nullptr};
    bool known = false;
    for (const auto* t : tables) {
      if (!t) continue;
      auto it = t->find(flag);
      if (it == t->end()) continue;
      known = true;
      if (it->second.kind == Kind::kBool) {
        if (has_inline) out.request[it->second.key] = (value == "true" || value == "1");
        else out.request[it->second.key] = true;
      } else {
        out.request[it->second.key] = convert(flag, it->second.kind, need_value());
      }
    }
    if (!known) throw UsageError("unknown flag " + flag + " (see headroom --help)");
  }
  return out;
}

}  // namespace headroom::cli
