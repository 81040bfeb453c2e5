#pragma once
// Serialises an Estimate into the response JSON of docs/api.md.
#include <nlohmann/json.hpp>

#include "core/budget.h"

namespace headroom {

nlohmann::json estimate_to_json(const Estimate& e);
nlohmann::json gpu_to_json(const Gpu& g);

}  // namespace headroom
