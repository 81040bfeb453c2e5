#pragma once
// The real HuggingFace configs bundled under models/configs/, usable by name as presets.
#include <string>
#include <string_view>
#include <vector>

namespace headroom {

struct BundledModel {
  std::string name;  // HF id, e.g. "meta-llama/Llama-3.1-8B-Instruct"
  std::string_view config_json;
};

const std::vector<BundledModel>& bundled_models();

// Matches the HF id or the part after '/', case-insensitively. Throws InputError("model").
const BundledModel& find_bundled_model(std::string_view name);

// Like find_bundled_model but returns nullptr instead of throwing.
const BundledModel* try_find_bundled_model(std::string_view name);

}  // namespace headroom
