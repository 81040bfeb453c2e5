// The direct JSON writer must produce text that nlohmann::json reads back to exactly the values
// written, escaped the same way dump() escapes them.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/json_writer.h"

using headroom::JsonWriter;
using nlohmann::json;

TEST_CASE("writer: commas, nesting and keys", "[json_writer]") {
  JsonWriter w;
  w.begin_object().field("a", 1).key("b").begin_array().value(true).null().begin_object().end_object().end_array();
  w.field("c", std::vector<int>{1, 2, 3}).field("d", std::optional<int>{}).field("e", std::optional<std::string>{"x"});
  w.key("empty").begin_array().end_array().end_object();
  CHECK(w.text() == R"({"a":1,"b":[true,null,{}],"c":[1,2,3],"d":null,"e":"x","empty":[]})");
}

TEST_CASE("writer: doubles print like dump() and read back bit for bit", "[json_writer]") {
  for (double d : {0.0, -0.0, 2.0, 0.1, 0.1 + 0.2, 1e300, -1e-300, 5e-324, 123456789.123456789, 80.0 * 1024 * 1024 * 1024,
                   std::numeric_limits<double>::max()}) {
    JsonWriter w;
    w.value(d);
    INFO(w.text());
    CHECK(w.text() == json(d).dump());
    CHECK(json::parse(w.text()).get<double>() == d);
  }
}

TEST_CASE("writer: non-finite doubles become null", "[json_writer]") {
  JsonWriter w;
  w.begin_array().value(std::nan("")).value(std::numeric_limits<double>::infinity()).end_array();
  CHECK(w.text() == "[null,null]");
}

TEST_CASE("writer: integers at their limits", "[json_writer]") {
  JsonWriter w;
  w.begin_array().value(std::numeric_limits<int64_t>::min()).value(std::numeric_limits<uint64_t>::max()).value(size_t{0}).end_array();
  CHECK(w.text() == "[-9223372036854775808,18446744073709551615,0]");
}

TEST_CASE("writer: strings are escaped as dump() escapes them", "[json_writer]") {
  const std::string samples[] = {"plain", "quote \" and backslash \\", "tab\tnew\nline\r\b\f", std::string("nul\0x", 5),
                                 "\x01\x1f", "UTF-8: \xC3\xA9 \xE2\x89\xA4 \xF0\x9F\x98\x80", ""};
  for (const auto& s : samples) {
    JsonWriter w;
    w.value(s);
    INFO(s);
    CHECK(w.text() == json(s).dump());
    CHECK(json::parse(w.text()).get<std::string>() == s);
  }
}

TEST_CASE("writer: invalid UTF-8 is replaced, never passed through", "[json_writer]") {
  for (const std::string bad : {"a\xFF" "b", "\xC3", "\xE2\x89", "\xED\xA0\x80", "\xC0\xAF", "\xF4\x90\x80\x80"}) {
    JsonWriter w;
    w.value(bad);
    INFO(w.text());
    const json back = json::parse(w.text());  // throws on invalid UTF-8
    CHECK(back.get<std::string>().find("\xEF\xBF\xBD") != std::string::npos);
  }
}

TEST_CASE("writer: an nlohmann tree is written as dump() writes it", "[json_writer]") {
  const json tree = {{"b", {1, 2.5, "x", nullptr, false}}, {"a", {{"nested", -3}}}, {"u", 18446744073709551615ull}};
  JsonWriter w;
  w.value(tree);
  CHECK(w.text() == tree.dump());
}
