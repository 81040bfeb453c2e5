#pragma once
// HuggingFace configs omit fields equal to their transformers class defaults (a Gemma 3
// text_config may carry only four keys). These are those defaults for the model types we know,
// so a missing field reads as transformers would read it, not as an error or a guess.
#include <nlohmann/json.hpp>
#include <string_view>

namespace headroom {

// Defaults for a config section of this model_type; an empty object when we know none.
const nlohmann::json& transformers_defaults(std::string_view model_type);

// `section` with every missing key filled from transformers_defaults(model_type).
nlohmann::json with_defaults(const nlohmann::json& section, std::string_view model_type);

}  // namespace headroom
