#pragma once
// Reading numbers and strings out of untrusted JSON with errors that name the JSON path.
// HF configs are hand-edited: numbers arrive as strings, floats where ints belong, nulls.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace headroom {

using Json = nlohmann::json;

// Parses text as a JSON value; bounded nesting depth; throws InputError(field) on failure.
Json parse_json_text(std::string_view text, const std::string& field);

// A child path for messages: join_path("text_config", "hidden_size").
std::string join_path(const std::string& parent, std::string_view key);

// Integer fields: must be a finite whole number in [min, max]. Absent or null -> nullopt.
std::optional<int64_t> opt_int(const Json& obj, std::string_view key, const std::string& path,
                               int64_t min = 0, int64_t max = int64_t{1} << 40);
int64_t req_int(const Json& obj, std::string_view key, const std::string& path,
                int64_t min = 1, int64_t max = int64_t{1} << 40);
std::optional<double> opt_double(const Json& obj, std::string_view key, const std::string& path,
                                 double min, double max);
std::optional<std::string> opt_string(const Json& obj, std::string_view key, const std::string& path);
std::optional<bool> opt_bool(const Json& obj, std::string_view key, const std::string& path);

// First present (non-null) key of several aliases, with the path of the one found.
const Json* first_of(const Json& obj, std::initializer_list<std::string_view> keys,
                     std::string_view* found = nullptr);

}  // namespace headroom
