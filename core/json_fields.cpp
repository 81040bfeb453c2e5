#include "core/json_fields.h"

#include <cmath>
#include <cstdio>
#include <vector>

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

// 1, 0.5, 1e+06 rather than std::to_string's 1.000000.
std::string short_number(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
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

// SAX handler that only tracks the key path ("rope_scaling.factor", "eos_token_id[0]") so a
// parse failure can name where it happened.
struct FailureLocator {
  struct Frame {
    bool array = false;
    long index = -1;  // arrays: index of the element last started
    std::string key;  // objects: key last read
  };
  std::vector<Frame> frames;
  size_t byte = 0;
  bool overflow = false;
  std::string token;

  bool value() {
    if (!frames.empty() && frames.back().array) ++frames.back().index;
    return true;
  }
  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(Json::number_integer_t) { return value(); }
  bool number_unsigned(Json::number_unsigned_t) { return value(); }
  bool number_float(Json::number_float_t, const std::string&) { return value(); }
  bool string(std::string&) { return value(); }
  bool binary(Json::binary_t&) { return value(); }
  bool start_object(size_t) { return value() && (frames.push_back({false, -1, ""}), true); }
  bool start_array(size_t) { return value() && (frames.push_back({true, -1, ""}), true); }
  bool key(std::string& k) { return frames.back().key = k, true; }
  bool end_object() { return frames.pop_back(), true; }
  bool end_array() { return frames.pop_back(), true; }
  bool parse_error(size_t position, const std::string& last_token, const Json::exception& e) {
    byte = position;
    overflow = e.id == 406;  // out_of_range.406: number overflow
    token = last_token;
    return false;
  }
  std::string path() const {
    std::string p;
    for (size_t i = 0; i < frames.size(); ++i) {
      const Frame& f = frames[i];
      // The failing value itself was never reported, so the last array is one element further.
      if (f.array) p += "[" + std::to_string(f.index + (i + 1 == frames.size() ? 1 : 0)) + "]";
      else p = join_path(p, f.key);
    }
    return p;
  }
};

}  // namespace

Json parse_json_text(std::string_view text, const std::string& field) {
  check_depth(text, field);
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    // Walk it again to say where it fails. A number beyond a double (1e999) is valid JSON
    // syntax that nlohmann refuses: name its key, as for any other unusable number.
    FailureLocator where;
    Json::sax_parse(text.begin(), text.end(), &where);
    if (where.overflow) {
      const std::string at = where.path().empty() ? field : where.path();
      throw InputError(at, at + " = " + where.token.substr(0, 40) + " is too large to be a number (beyond 1.8e308)");
    }
    throw InputError(field, field + " is not valid JSON (at byte " + std::to_string(where.byte) + ")");
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
    throw InputError(field, field + " = " + describe(*it) + " is out of range [" + short_number(min) + ", " +
                                short_number(max) + "]");
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
