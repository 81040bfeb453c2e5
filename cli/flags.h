#pragma once
// Command-line flags of `headroom`, turned into the request JSON of docs/api.md so the CLI,
// the wasm module and the page share one validation path.
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace headroom::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ParsedArgs {
  nlohmann::json request = nlohmann::json::object();
  bool json_output = false;
  std::string config_path;  // --config FILE (or a bundled name)
  std::string log_path;     // --log FILE (check-log)
};

// Parses argv after the subcommand. Throws UsageError naming the flag.
ParsedArgs parse_flags(const std::vector<std::string>& args, bool allow_plan_flags, bool allow_log_flag);

}  // namespace headroom::cli
