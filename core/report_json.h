#pragma once
// Serialises an Estimate into the response JSON of docs/api.md.
#include <string>

#include <nlohmann/json.hpp>

#include "core/budget.h"
#include "core/json_writer.h"

namespace headroom {

// The response text, written directly (what api::estimate returns).
std::string estimate_to_text(const Estimate& e);
// The same response as a tree, for callers that embed it in a larger answer (check-log).
nlohmann::json estimate_to_json(const Estimate& e);

void write_gpu(JsonWriter& w, const Gpu& g, bool with_aliases);

}  // namespace headroom
