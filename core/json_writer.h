#pragma once
// Writes JSON text straight into one string, in the order the fields are given.
//
// Why not build an nlohmann::json tree and dump() it: an estimate's response is ~7 KB, much of
// it formula text, and building the tree, walking every character through dump()'s UTF-8
// state machine and freeing the tree cost five times the estimate itself (docs/performance.md).
// The writer appends instead. Numbers are printed exactly as nlohmann::json prints them, so
// a value reads back bit for bit; non-finite doubles become null, as there.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

namespace headroom {

class JsonWriter {
 public:
  JsonWriter() { out_.reserve(8192); }

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Inside an object: the key of the next value (or of the next begin_object/begin_array).
  JsonWriter& key(std::string_view k);

  JsonWriter& null();
  JsonWriter& boolean(bool b);
  JsonWriter& number(double d);
  JsonWriter& number(int64_t i);
  JsonWriter& number(uint64_t u);
  JsonWriter& string(std::string_view s);
  JsonWriter& json(const nlohmann::json& j);  // a value that is already a tree (term inputs)

  // Any value: bool, integers, floating point, strings, std::optional (empty: null),
  // std::vector (an array) and nlohmann::json.
  template <typename T>
  JsonWriter& value(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      return boolean(v);
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      return number(static_cast<int64_t>(v));
    } else if constexpr (std::is_integral_v<T>) {
      return number(static_cast<uint64_t>(v));
    } else if constexpr (std::is_floating_point_v<T>) {
      return number(static_cast<double>(v));
    } else if constexpr (std::is_same_v<T, nlohmann::json>) {
      return json(v);  // before the string test: some compilers let a json convert to string_view
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      return string(std::string_view(v));
    } else if constexpr (is_optional<T>::value) {
      return v ? value(*v) : null();
    } else {
      begin_array();
      for (const auto& item : v) value(item);
      return end_array();
    }
  }

  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  template <typename T> struct is_optional : std::false_type {};
  template <typename T> struct is_optional<std::optional<T>> : std::true_type {};

  // A comma before every value but the first of its container; none after a key.
  void separate();
  void open(char c);
  void close(char c);

  std::string out_;
  std::vector<bool> has_items_;  // one per open container
  bool after_key_ = false;
};

}  // namespace headroom
