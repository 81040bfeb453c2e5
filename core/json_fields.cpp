#include "core/json_fields.h"

#include <cmath>

#include "core/errors.h"

namespace headroom {
namespace {

constexpr int kMaxDepth = 64;  // configs nest 3-4 deep; refuse pathological nesting early

// Rejects nesting deeper than kMaxDepth before nlohmann's recursive parser sees it.
void check_depth(std::string_view text, const std::string& field) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth)
        throw InputError(field, field + ": JSON nested deeper than " + std::to_string(kMaxDepth) +
                                    " levels");
    } else if (c == '}' || c == ']') --depth;
  }
}

std::string describe(const Json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

// Accepts numbers and numeric strings ("4096"), as HF configs sometimes carry both.
std::optional<double> as_number(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > 32) return std::nullopt;
    try {
      size_t used = 0;
      double d = std::stod(s, &used);
      if (used == s.size()) return d;
    } catch (...) {
    }
  }
  return std::nullopt;
}

}  // namespace

Json parse_json_text(std::string_view text, const std::string& field) {
  check_depth(text, field);
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    // Re-parse with exceptions on to get the byte position for the message.
    try {
      Json probe = Json::parse(text.begin(), text.end());
      (void)probe;
    } catch (const Json::parse_error& e) {
      throw InputError(field, field + " is not valid JSON (at byte " + std::to_string(e.byte) + ")");
    }
    throw InputError(field, field + " is not valid JSON");
  }
  return j;
}

std::string join_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

std::optional<double> opt_double(const Json& obj, std::string_view key, const std::string& path,
                                 double min, double max) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  const std::string field = join_path(path, key);
  auto d = as_number(*it);
  if (!d) throw InputError(field, field + " must be a number, got " + describe(*it));
  if (!std::isfinite(*d)) throw InputError(field, field + " must be finite");
  if (*d < min || *d > max)
    throw InputError(field, field + " = " + describe(*it) + " is out of range [" +
                                std::to_string(min) + ", " + std::to_string(max) + "]");
  return d;
}

std::optional<int64_t> opt_int(const Json& obj, std::string_view key, const std::string& path,
                               int64_t min, int64_t max) {
  auto d = opt_double(obj, key, path, static_cast<double>(min), static_cast<double>(max));
  if (!d) return std::nullopt;
  if (std::floor(*d) != *d) {
    const std::string field = join_path(path, key);
    throw InputError(field, field + " must be a whole number, got " + describe(obj.at(std::string(key))));
  }
  return static_cast<int64_t>(*d);
}

int64_t req_int(const Json& obj, std::string_view key, const std::string& path, int64_t min,
                int64_t max) {
  auto v = opt_int(obj, key, path, min, max);
  if (!v) {
    const std::string field = join_path(path, key);
    throw InputError(field, "missing required field " + field);
  }
  return *v;
}

std::optional<std::string> opt_string(const Json& obj, std::string_view key, const std::string& path) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    const std::string field = join_path(path, key);
    throw InputError(field, field + " must be a string, got " + describe(*it));
  }
  return it->get<std::string>();
}

std::optional<bool> opt_bool(const Json& obj, std::string_view key, const std::string& path) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_number_integer() && (it->get<int64_t>() == 0 || it->get<int64_t>() == 1))
    return it->get<int64_t>() == 1;
  const std::string field = join_path(path, key);
  throw InputError(field, field + " must be true or false, got " + describe(*it));
}

const Json* first_of(const Json& obj, std::initializer_list<std::string_view> keys,
                     std::string_view* found) {
  if (!obj.is_object()) return nullptr;
  for (auto k : keys) {
    auto it = obj.find(k);
    if (it != obj.end() && !it->is_null()) {
      if (found) *found = k;
      return &*it;
    }
  }
  return nullptr;
}

}  // namespace headroom
