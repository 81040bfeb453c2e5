#pragma once
// The one boundary every front end uses: JSON text in, JSON text out (docs/api.md).
// None of these functions throws; errors come back as {"ok": false, "error": {...}}.
#include <string>
#include <string_view>

namespace headroom::api {

std::string estimate(std::string_view request_json);
std::string plan(std::string_view request_json);
std::string check_log(std::string_view request_json);
std::string list_models();
std::string list_gpus();
std::string version_info();

}  // namespace headroom::api
