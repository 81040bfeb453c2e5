#pragma once
// One number shown to the user, with how it was obtained: the formula in words, its inputs,
// and the calibration entry it used (empty when it is pure arithmetic on the config).
#include <string>

#include <nlohmann/json.hpp>

namespace headroom {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr double kMiB = 1024.0 * 1024.0;

struct Term {
  std::string key;      // JSON key of the value, e.g. "weights_gib"
  std::string label;    // "Model weights"
  double value = 0;     // GiB unless the key says otherwise
  std::string formula;  // e.g. "sum of per-rank parameter bytes"
  nlohmann::json inputs = nlohmann::json::object();
  std::string calibration;  // "" or which calibration entry and where it came from
};

}  // namespace headroom
