#pragma once
// Parsing a HuggingFace config.json (as text) into a ModelSpec.
#include <string_view>

#include "core/model_spec.h"

namespace headroom {

// Throws InputError naming the JSON path of the first field it cannot use.
ModelSpec parse_model_config(std::string_view config_json);

}  // namespace headroom
