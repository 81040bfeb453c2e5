// headroom: what vLLM will do with GPU memory at start-up, from the command line.
//   headroom estimate --config FILE|NAME --gpu NAME [vLLM flags] [--json]
//   headroom plan     --config FILE|NAME --gpu NAME [--target-concurrency N] [--target-context N] [flags] [--json]
//   headroom check-log --log FILE [--config FILE|NAME] [flags] [--json]
//   headroom models | gpus | versions
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "cli/table.h"
#include "core/api.h"
#include "core/bundled_models.h"

namespace {

using nlohmann::json;
using headroom::cli::UsageError;

constexpr const char* kUsage = R"(usage:
  headroom estimate --config FILE|MODEL --gpu NAME [--tensor-parallel-size N] [--pipeline-parallel-size N]
                    [--max-model-len N] [--max-num-seqs N] [--max-num-batched-tokens N]
                    [--gpu-memory-utilization F] [--kv-cache-dtype auto|fp8|...] [--block-size N]
                    [--dtype auto|bfloat16|float16|float32] [--quantization NAME] [--enforce-eager]
                    [--skip-mm-profiling] [--vllm-version X.Y.Z] [--entrypoint serve|llm] [--json]
  headroom plan --config FILE|MODEL --gpu NAME [--target-concurrency N] [--target-context N] [estimate flags] [--json]
  headroom check-log --log FILE [--config FILE|MODEL] [estimate flags] [--json]
  headroom models | gpus | versions
)";

std::string read_file(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(std::string(flag) + ": cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// --config takes a file path, or a bundled model name when no such file exists.
void attach_config(json& request, const std::string& config) {
  if (config.empty()) return;
  std::ifstream probe(config);
  if (probe.good()) request["config"] = read_file(config, "--config");
  else if (headroom::try_find_bundled_model(config)) request["model"] = config;
  else throw UsageError("--config: no file and no bundled model named " + config + " (see `headroom models`)");
}

int print_response(const std::string& response, bool as_json, std::string (*table)(const json&)) {
  const json r = json::parse(response);
  if (!r.value("ok", false)) {
    const json& err = r["error"];
    std::cerr << "headroom: " << err.value("message", "error") << " [" << err.value("field", "") << "]\n";
    if (as_json) std::cout << r.dump(2) << "\n";  // scripts get the same error object as the API
    return 1;
  }
  if (as_json) std::cout << r.dump(2) << "\n";
  else std::cout << table(r);
  return 0;
}

int run(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help") {
    std::cout << kUsage;
    return argv.empty() ? 2 : 0;
  }
  const std::string cmd = argv[0];
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (cmd == "models" || cmd == "gpus" || cmd == "versions") {
    const std::string r = cmd == "models" ? headroom::api::list_models()
                          : cmd == "gpus" ? headroom::api::list_gpus()
                                          : headroom::api::version_info();
    const json j = json::parse(r);
    const bool as_json = !rest.empty() && rest[0] == "--json";
    if (as_json) std::cout << j.dump(2) << "\n";
    else if (cmd == "models")
      for (const auto& m : j["models"]) std::cout << m["name"].get<std::string>() << "\n";
    else if (cmd == "gpus")
      for (const auto& g : j["gpus"])
        std::cout << g["id"].get<std::string>() << "\t" << g["memory_gib"].get<double>() << " GiB\t" << g["name"].get<std::string>() << "\n";
    else
      for (const auto& v : j["known_vllm_versions"]) std::cout << v.get<std::string>() << "\n";
    return 0;
  }
  if (cmd == "estimate" || cmd == "plan") {
    auto args = headroom::cli::parse_flags(rest, cmd == "plan", false);
    if (args.config_path.empty()) throw UsageError("--config is required (a config.json path or a bundled model name)");
    if (!args.request.contains("gpu")) throw UsageError("--gpu is required (e.g. H100, A100-80GB, L4, MI300X)");
    attach_config(args.request, args.config_path);
    const std::string body = args.request.dump();
    if (cmd == "estimate") return print_response(headroom::api::estimate(body), args.json_output, headroom::cli::estimate_table);
    return print_response(headroom::api::plan(body), args.json_output, headroom::cli::plan_table);
  }
  if (cmd == "check-log") {
    auto args = headroom::cli::parse_flags(rest, false, true);
    if (args.log_path.empty()) throw UsageError("--log is required");
    args.request["log"] = read_file(args.log_path, "--log");
    attach_config(args.request, args.config_path);
    return print_response(headroom::api::check_log(args.request.dump()), args.json_output, headroom::cli::check_log_table);
  }
  throw UsageError("unknown command " + cmd + "\n" + kUsage);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const UsageError& e) {
    std::cerr << "headroom: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "headroom: " << e.what() << "\n";
    return 1;
  }
}
