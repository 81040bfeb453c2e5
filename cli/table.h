#pragma once
// Human-readable renderings of the API's JSON responses.
#include <string>

#include <nlohmann/json.hpp>

namespace headroom::cli {

std::string estimate_table(const nlohmann::json& r);
std::string plan_table(const nlohmann::json& r);
std::string check_log_table(const nlohmann::json& r);

}  // namespace headroom::cli
