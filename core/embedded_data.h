#pragma once
// The data under models/, baked in at build time (cmake/WriteEmbeddedData.cmake).
#include <span>
#include <string_view>

namespace headroom::embedded {

struct BundledConfig {
  std::string_view hf_id;   // e.g. "meta-llama/Llama-3.1-8B-Instruct"
  std::string_view json;    // the config.json text, verbatim
};

std::string_view gpu_catalog_json();
std::string_view calibration_json();
std::span<const BundledConfig> bundled_configs();

}  // namespace headroom::embedded
