// Hostile input through the public boundary (core/api.h), issue 6. Whatever is pasted or typed,
// the answer is JSON: either a usable estimate or {"ok": false, "error": {field, message}} whose
// field names what was wrong. Nothing crashes, nothing hangs, and the API answers the same
// afterwards. Regression tests for what fuzzing found are at the end (docs/robustness.md).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/api.h"

#ifndef HEADROOM_SOURCE_DIR
#error "HEADROOM_SOURCE_DIR must be defined by the build as the repository root"
#endif

using Json = nlohmann::json;
namespace api = headroom::api;

namespace {

const char* const kLlama = "meta-llama/Llama-3.1-8B-Instruct";

std::string read_file(const std::string& relative) {
  std::ifstream in(std::string(HEADROOM_SOURCE_DIR) + "/" + relative, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string& llama_config_text() {
  static const std::string text = read_file("models/configs/meta-llama__Llama-3.1-8B-Instruct.json");
  return text;
}

const Json& llama_config() {
  static const Json j = Json::parse(llama_config_text());
  return j;
}

// A request that pastes `config_text` with these flags.
std::string request_with_config(const std::string& config_text, Json flags = Json::object()) {
  flags["config"] = config_text;
  if (!flags.contains("gpu")) flags["gpu"] = "H100";
  return flags.dump();
}

Json reply_of(const std::string& reply_text) {
  const Json reply = Json::parse(reply_text, nullptr, /*allow_exceptions=*/false);
  INFO("reply: " << reply_text.substr(0, 2000));
  REQUIRE(reply.is_object());
  REQUIRE(reply.contains("ok"));
  REQUIRE(reply["ok"].is_boolean());
  return reply;
}

// ok:false with a field and a one-line message, and not one of the catch-all handlers: a
// message that says "internal error" or "malformed input" names no field the user can fix.
std::string refused_field(const Json& reply) {
  INFO("reply: " << reply.dump().substr(0, 2000));
  REQUIRE_FALSE(reply["ok"].get<bool>());
  REQUIRE(reply["error"]["field"].is_string());
  REQUIRE(reply["error"]["message"].is_string());
  const std::string field = reply["error"]["field"], message = reply["error"]["message"];
  CHECK_FALSE(field.empty());
  CHECK_FALSE(message.empty());
  CHECK(message.find('\n') == std::string::npos);
  CHECK(field != "internal");
  CHECK(message.rfind("malformed input", 0) == std::string::npos);
  return field;
}

// "field" or "parent.field": the last path segment is the key that was wrong.
bool names_key(const std::string& field, const std::string& key) {
  return field == key || (field.size() > key.size() && field.compare(field.size() - key.size(), key.size(), key) == 0 &&
                          field[field.size() - key.size() - 1] == '.');
}

// ok:true and every headline figure a finite number (NaN and infinity serialise as null).
void require_usable(const Json& reply) {
  INFO("reply: " << reply.dump().substr(0, 2000));
  REQUIRE(reply["ok"].get<bool>());
  for (const char* key : {"weights_gib", "activation_gib", "non_torch_gib", "cudagraph_gib", "kv_cache_gib",
                          "num_gpu_blocks", "kv_cache_tokens", "max_concurrency", "total_gib", "unused_gib"}) {
    INFO(key);
    REQUIRE(reply[key].is_number());
    CHECK(std::isfinite(reply[key].get<double>()));
  }
  CHECK(reply["weights_gib"].get<double>() > 0);
  CHECK(reply["num_gpu_blocks"].get<double>() >= 0);
}

// The baseline answer; every test case ends by checking the API still gives it, unchanged.
const std::string& baseline_request() {
  static const std::string r = Json{{"model", kLlama}, {"gpu", "H100"}}.dump();
  return r;
}
const std::string& baseline_reply() {
  static const std::string r = api::estimate(baseline_request());
  return r;
}
void require_still_answering() {
  REQUIRE(reply_of(baseline_reply())["ok"].get<bool>());
  CHECK(api::estimate(baseline_request()) == baseline_reply());
  CHECK(reply_of(api::list_models())["ok"].get<bool>());
  CHECK(reply_of(api::version_info())["ok"].get<bool>());
}

// Every numeric leaf of a JSON document, as JSON pointers ("/rope_scaling/factor", "/eos_token_id/0").
void numeric_leaves(const Json& j, const std::string& at, std::vector<std::string>& out) {
  if (j.is_number()) out.push_back(at);
  else if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it) numeric_leaves(it.value(), at + "/" + it.key(), out);
  else if (j.is_array())
    for (size_t i = 0; i < j.size(); ++i) numeric_leaves(j[i], at + "/" + std::to_string(i), out);
}

// The error.field that names a JSON pointer: "/rope_scaling/factor" -> "rope_scaling.factor",
// "/eos_token_id/0" -> "eos_token_id[0]".
std::string field_of(const std::string& pointer) {
  std::string field;
  size_t start = 1;
  while (start <= pointer.size()) {
    const size_t end = std::min(pointer.find('/', start), pointer.size());
    const std::string part = pointer.substr(start, end - start);
    if (!part.empty() && std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c); }))
      field += "[" + part + "]";
    else
      field += (field.empty() ? "" : ".") + part;
    start = end + 1;
  }
  return field;
}

// The config with the value at `pointer` replaced by raw JSON text (so 1e999 stays 1e999).
std::string config_with_raw(const Json& config, const std::string& pointer, const std::string& raw) {
  Json copy = config;
  copy[Json::json_pointer(pointer)] = "@@HOSTILE@@";
  std::string text = copy.dump(2);
  const auto at = text.find("\"@@HOSTILE@@\"");
  REQUIRE(at != std::string::npos);
  return text.replace(at, 13, raw);
}

// Hostile stand-ins (raw JSON text) for a number whose real value is `v`: huge, zero,
// negative, fractional, NaN-like, infinite, string-typed and not a number at all.
std::vector<std::string> hostile_numbers(const Json& v) {
  std::vector<std::string> out = {"1e30", "9223372036854775807", "18446744073709551615", "1e999", "-1e999", "0",
                                  "-1", "-4096", "\"NaN\"", "\"nan\"", "\"Infinity\"", "\"-inf\"", "\"\"",
                                  "\"lots\"", "true", "[]", "{}", "[4096]"};
  std::ostringstream fraction;
  fraction.precision(17);
  fraction << (std::floor(v.get<double>()) + 0.5);
  out.push_back(fraction.str());
  return out;
}

// The Llama fields the parser reads as shapes (the others are ignored by the estimate).
const std::vector<std::string> kShapeFields = {"hidden_size", "intermediate_size", "max_position_embeddings",
                                               "num_attention_heads", "num_hidden_layers",
                                               "num_key_value_heads", "vocab_size"};

bool is_shape_field(const std::string& pointer) {
  for (const auto& f : kShapeFields)
    if (pointer == "/" + f) return true;
  return false;
}

}  // namespace

TEST_CASE("robustness: text that is not JSON is refused by every entry point", "[robustness]") {
  baseline_reply();  // computed before any hostile input
  const std::vector<std::string> texts = {"", " ", "not json", "{", "}", "{'gpu': 'H100'}", "{\"gpu\": \"H100\",}",
                                          std::string("\0\0\0", 3), "\xff\xfe\x00\x01", "{\"gpu\": \"\xff\"}",
                                          "NaN", "[1, 2", "{\"a\":1}{\"b\":2}"};
  for (const auto& text : texts) {
    INFO("input: " << Json(text).dump(-1, ' ', false, Json::error_handler_t::replace));
    CHECK(refused_field(reply_of(api::estimate(text))) == "request");
    CHECK(refused_field(reply_of(api::plan(text))) == "request");
    CHECK(refused_field(reply_of(api::check_log(text))) == "request");
  }
  require_still_answering();
}

TEST_CASE("robustness: JSON that is not an object is refused naming the request or the config", "[robustness]") {
  baseline_reply();  // computed before any hostile input
  for (const std::string text : {"[]", "42", "null", "\"H100\"", "true", "[{\"model\": \"x\"}]"}) {
    INFO(text);
    CHECK(refused_field(reply_of(api::estimate(text))) == "request");
    CHECK(refused_field(reply_of(api::plan(text))) == "request");
  }
  for (const std::string config : {"[]", "42", "null", "\"text\"", "[1, 2, 3]"}) {
    INFO(config);
    CHECK(names_key(refused_field(reply_of(api::estimate(request_with_config(config)))), "config"));
  }
  // "config" given as a JSON value of the wrong type rather than as text.
  for (const Json value : {Json(42), Json(true), Json::array({1, 2})}) {
    INFO(value.dump());
    CHECK(refused_field(reply_of(api::estimate(Json{{"config", value}, {"gpu", "H100"}}.dump()))) == "config");
  }
  require_still_answering();
}

TEST_CASE("robustness: every truncation of a request and of a config is refused", "[robustness]") {
  baseline_reply();  // computed before any hostile input
  const std::string request = request_with_config(llama_config_text(), {{"max_model_len", 8192}});
  for (size_t n = 0; n < request.size(); ++n) {
    INFO("request cut at " << n);
    REQUIRE(refused_field(reply_of(api::estimate(request.substr(0, n)))) == "request");
  }
  const std::string& config = llama_config_text();
  const size_t last_brace = config.rfind('}');
  for (size_t n = 0; n < last_brace; ++n) {
    INFO("config cut at " << n);
    REQUIRE(names_key(refused_field(reply_of(api::estimate(request_with_config(config.substr(0, n))))), "config"));
  }
  require_still_answering();
}

TEST_CASE("robustness: 10 MB of JSON is answered quickly, never swallowed whole", "[robustness]") {
  baseline_reply();  // computed before any hostile input
  const std::string padding(10 << 20, 'x');
  // Time spent inside the API only (building 10 MB test strings is not what is bounded).
  double seconds = 0;
  auto timed = [&seconds](const std::string& request) {
    const auto start = std::chrono::steady_clock::now();
    std::string reply = api::estimate(request);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return reply_of(reply);
  };

  // A 10 MB config (a real config plus a huge string) is larger than any config.json.
  Json fat = llama_config();
  fat["padding"] = padding;
  CHECK(names_key(refused_field(timed(request_with_config(fat.dump()))), "config"));

  // 10 MB of unrelated keys in a request is legitimately usable: the estimate ignores them.
  Json request = {{"model", kLlama}, {"gpu", "H100"}, {"comment", padding}};
  require_usable(timed(request.dump()));

  // 10 MB of numbers, and a request over the 16 MiB limit.
  std::string numbers = "[";
  while (numbers.size() < (10u << 20)) numbers += "1234567,";
  numbers += "0]";
  CHECK(names_key(refused_field(timed(request_with_config(numbers))), "config"));
  CHECK(refused_field(timed(std::string(17 << 20, ' '))) == "request");

  INFO("four 10-17 MB requests took " << seconds << " s inside the API");
  CHECK(seconds < 20.0);  // generous: sanitizer builds are slow; a hang would be minutes
  require_still_answering();
}

TEST_CASE("robustness: nesting 10,000 deep is refused without recursion", "[robustness]") {
  baseline_reply();  // computed before any hostile input
  const std::string arrays = std::string(10000, '[') + std::string(10000, ']');
  const std::string objects = [] {
    std::string s;
    for (int i = 0; i < 10000; ++i) s += "{\"a\":";
    s += "1";
    s += std::string(10000, '}');
    return s;
  }();
  for (const auto* deep : {&arrays, &objects}) {
    CHECK(refused_field(reply_of(api::estimate(*deep))) == "request");
    CHECK(refused_field(reply_of(api::check_log(*deep))) == "request");
    CHECK(names_key(refused_field(reply_of(api::estimate(request_with_config(*deep)))), "config"));
    // Deep nesting inside a real config, under a key the estimate would otherwise ignore.
    std::string config = llama_config_text();
    config.insert(config.find('{') + 1, "\"extra\": " + *deep + ",");
    CHECK(names_key(refused_field(reply_of(api::estimate(request_with_config(config)))), "config"));
  }
  // Brackets inside strings are text, not nesting: this config is fine.
  Json bracketed = llama_config();
  bracketed["_name_or_path"] = std::string(10000, '[');
  require_usable(reply_of(api::estimate(request_with_config(bracketed.dump()))));
  require_still_answering();
}

TEST_CASE("robustness: hostile values in every numeric field of a real config", "[robustness]") {
  baseline_reply();  // computed before any hostile input
  const Json baseline = reply_of(api::estimate(request_with_config(llama_config_text())));
  require_usable(baseline);
  std::vector<std::string> pointers;
  numeric_leaves(llama_config(), "", pointers);
  REQUIRE(pointers.size() >= 15);  // the Llama config has about twenty numbers

  for (const auto& pointer : pointers) {
    const Json& original = llama_config()[Json::json_pointer(pointer)];
    const std::string key = pointer.substr(pointer.rfind('/') + 1);
    for (const auto& raw : hostile_numbers(original)) {
      INFO("config" << pointer << " = " << raw);
      const Json reply = reply_of(api::estimate(request_with_config(config_with_raw(llama_config(), pointer, raw))));
      if (is_shape_field(pointer)) {
        // Shape fields: none of these values can be a size; each is refused, naming the field.
        CHECK(refused_field(reply) == field_of(pointer));
      } else if (!reply["ok"].get<bool>()) {
        // Fields the estimate does not use may still be checked, but then they must be named.
        CHECK(refused_field(reply) == field_of(pointer));
      } else {
        require_usable(reply);
      }
    }
    // The same number written as a string is legitimately usable and changes nothing.
    if (original.is_number_integer() && !std::isdigit(static_cast<unsigned char>(key[0]))) {
      INFO("config" << pointer << " as a string");
      const Json reply =
          reply_of(api::estimate(request_with_config(config_with_raw(llama_config(), pointer, "\"" + original.dump() + "\""))));
      require_usable(reply);
      CHECK(reply["weights_gib"] == baseline["weights_gib"]);
      CHECK(reply["num_gpu_blocks"] == baseline["num_gpu_blocks"]);
    }
  }
  require_still_answering();
}

TEST_CASE("robustness: hostile values in every numeric request flag", "[robustness]") {
  baseline_reply();  // computed before any hostile input
  const std::vector<std::string> flags = {"tensor_parallel_size", "pipeline_parallel_size", "max_model_len",
                                          "max_num_seqs", "max_num_batched_tokens", "gpu_memory_utilization",
                                          "block_size", "kv_cache_memory_gib"};
  const std::vector<std::string> hostile = {"0", "-1", "1e30", "9223372036854775807", "18446744073709551615",
                                            "1e999", "-1e999", "\"NaN\"", "\"Infinity\"", "\"x\"", "true",
                                            "[]", "{}", "2.5", "1.5"};
  for (const auto& flag : flags) {
    for (const auto& raw : hostile) {
      INFO(flag << " = " << raw);
      Json request = {{"model", kLlama}, {"gpu", "H100"}, {flag, "@@HOSTILE@@"}};
      std::string text = request.dump();
      text.replace(text.find("\"@@HOSTILE@@\""), 13, raw);
      const Json reply = reply_of(api::estimate(text));
      if (reply["ok"].get<bool>()) require_usable(reply);  // e.g. kv_cache_memory_gib 1.5, utilization 1e-30
      else CHECK(refused_field(reply) == flag);
    }
    // A flag written as a numeric string means the number: the same answer, byte for byte.
    const Json number = flag == "gpu_memory_utilization" ? Json(0.5) : Json(16);
    const Json as_number = {{"model", kLlama}, {"gpu", "H100"}, {flag, number}};
    const Json as_string = {{"model", kLlama}, {"gpu", "H100"}, {flag, number.dump()}};
    INFO(as_string.dump());
    require_usable(reply_of(api::estimate(as_number.dump())));
    CHECK(api::estimate(as_string.dump()) == api::estimate(as_number.dump()));
  }
  // The plan entry point's own numbers.
  for (const char* flag : {"target_concurrency", "target_context", "heatmap_size"}) {
    for (const std::string raw : {"0", "-3", "1e999", "\"NaN\"", "2.5", "9223372036854775807"}) {
      INFO(flag << " = " << raw);
      std::string text = Json{{"model", kLlama}, {"gpu", "H100"}, {flag, "@@HOSTILE@@"}}.dump();
      text.replace(text.find("\"@@HOSTILE@@\""), 13, raw);
      CHECK(refused_field(reply_of(api::plan(text))) == flag);
    }
  }
  require_still_answering();
}

TEST_CASE("robustness: the out-of-range flags of issue 6", "[robustness]") {
  baseline_reply();  // computed before any hostile input
  auto with = [](Json flags) {
    flags["model"] = kLlama;
    if (!flags.contains("gpu")) flags["gpu"] = "H100";
    return reply_of(api::estimate(flags.dump()));
  };
  CHECK(refused_field(with({{"gpu_memory_utilization", 0}})) == "gpu_memory_utilization");
  CHECK(refused_field(with({{"gpu_memory_utilization", 1.5}})) == "gpu_memory_utilization");
  const Json tp3 = with({{"tensor_parallel_size", 3}});  // Llama-3.1-8B has 32 attention heads
  CHECK(refused_field(tp3) == "tensor_parallel_size");
  CHECK(tp3["error"]["message"].get<std::string>().find("32") != std::string::npos);
  CHECK(refused_field(with({{"max_model_len", 0}})) == "max_model_len");
  CHECK(refused_field(with({{"block_size", 7}})) == "block_size");
  CHECK(refused_field(with({{"pipeline_parallel_size", 33}})) == "pipeline_parallel_size");  // 32 layers
  CHECK(refused_field(with({{"kv_cache_dtype", "int3"}})) == "kv_cache_dtype");
  CHECK(refused_field(with({{"dtype", "float64"}})) == "dtype");
  CHECK(refused_field(with({{"entrypoint", "grpc"}})) == "entrypoint");
  CHECK(refused_field(with({{"enforce_eager", "sometimes"}})) == "enforce_eager");
  // In range but unusual: legitimately usable.
  require_usable(with({{"gpu_memory_utilization", 1.0}}));
  require_usable(with({{"tensor_parallel_size", 8}}));
  require_usable(with({{"block_size", 128}}));
  require_usable(with({{"max_model_len", 1}}));
  require_still_answering();
}

TEST_CASE("robustness: unknown GPU, vLLM version and bundled model names", "[robustness]") {
  baseline_reply();  // computed before any hostile input
  auto with = [](Json flags) {
    if (!flags.contains("model")) flags["model"] = kLlama;
    if (!flags.contains("gpu")) flags["gpu"] = "H100";
    return reply_of(api::estimate(flags.dump()));
  };
  for (const std::string& gpu : std::vector<std::string>{"NoSuchGPU-9000", "", " ", "H100; rm -rf /", std::string(5000, 'A'),
                                                        "\u00e9\u00e9\u00e9"}) {
    INFO("gpu " << gpu.substr(0, 40));
    const Json reply = with({{"gpu", gpu}});
    CHECK(refused_field(reply) == "gpu");
    CHECK(reply["error"]["message"].get<std::string>().size() < 1000);  // the name is not echoed whole
  }
  for (const std::string& version :
       std::vector<std::string>{"0.0.1", "99.0.0", "banana", "0.8", "-1.2.3", "0.10.2.3.4", std::string(300, '9')}) {
    INFO("vllm_version " << version.substr(0, 40));
    const Json reply = with({{"vllm_version", version}});
    if (reply["ok"].get<bool>()) require_usable(reply);  // e.g. "0.8" may be read as 0.8.0
    else CHECK(refused_field(reply) == "vllm_version");
  }
  CHECK(refused_field(with({{"vllm_version", 21}})) == "vllm_version");
  CHECK(refused_field(with({{"model", "no-such/model"}})) == "model");
  require_still_answering();
}

TEST_CASE("robustness: missing required fields are named", "[robustness]") {
  baseline_reply();  // computed before any hostile input
  for (const std::string field : {"hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size",
                                  "intermediate_size"}) {
    INFO("without " << field);
    // A model type without known transformers defaults: the field is required.
    Json config = llama_config();
    config["model_type"] = "frobnicator";
    config["architectures"] = {"FrobnicatorForCausalLM"};
    config.erase(field);
    CHECK(names_key(refused_field(reply_of(api::estimate(request_with_config(config.dump())))), field));
    // Llama: a missing field takes its transformers class default, as loading the model would.
    Json llama = llama_config();
    llama.erase(field);
    const Json reply = reply_of(api::estimate(request_with_config(llama.dump())));
    if (reply["ok"].get<bool>()) require_usable(reply);
    else CHECK(names_key(refused_field(reply), field));
  }
  Json bare = llama_config();
  bare.erase("architectures");
  bare.erase("model_type");
  CHECK(refused_field(reply_of(api::estimate(request_with_config(bare.dump())))) == "model_type");
  CHECK(refused_field(reply_of(api::estimate(R"({"gpu": "H100"})"))) == "config");
  CHECK(refused_field(reply_of(api::estimate(request_with_config("{}")))) == "model_type");
  require_still_answering();
}

TEST_CASE("robustness: unknown model_type", "[robustness]") {
  baseline_reply();  // computed before any hostile input
  // With the usual decoder fields, an unknown type is estimated as a generic decoder (usable);
  // otherwise the first missing shape is named. Either way: no crash, no silent nonsense.
  Json config = llama_config();
  config["model_type"] = "frobnicator";
  config["architectures"] = {"FrobnicatorForCausalLM"};
  const Json reply = reply_of(api::estimate(request_with_config(config.dump())));
  if (reply["ok"].get<bool>()) require_usable(reply);
  else CHECK(names_key(refused_field(reply), "model_type"));

  const Json alone = reply_of(api::estimate(request_with_config(R"({"model_type": "frobnicator"})")));
  CHECK(names_key(refused_field(alone), "hidden_size"));
  for (const Json type : {Json(42), Json::array({"llama"}), Json::object()}) {
    Json c = llama_config();
    c["model_type"] = type;
    INFO("model_type " << type.dump());
    CHECK(names_key(refused_field(reply_of(api::estimate(request_with_config(c.dump())))), "model_type"));
  }
  require_still_answering();
}

TEST_CASE("robustness: configs whose products overflow 64-bit integers", "[robustness]") {
  baseline_reply();  // computed before any hostile input
  // Each field alone is within its limit; their products are not (2^24 x 2^24 x 4096 x 65536).
  Json dense = llama_config();
  dense["hidden_size"] = 1 << 24;
  dense["intermediate_size"] = 1 << 24;
  dense["num_hidden_layers"] = 4096;
  dense["num_attention_heads"] = 1 << 14;
  dense["num_key_value_heads"] = 1 << 14;
  dense["vocab_size"] = 1 << 24;
  CHECK(refused_field(reply_of(api::estimate(request_with_config(dense.dump())))) != "");

  Json moe = dense;
  moe["num_local_experts"] = 1 << 16;
  moe["num_experts_per_tok"] = 1 << 16;
  CHECK(refused_field(reply_of(api::estimate(request_with_config(moe.dump())))) != "");

  // Large but not absurd: still a usable (if enormous) estimate, with finite figures.
  Json big = llama_config();
  big["hidden_size"] = 65536;
  big["intermediate_size"] = 262144;
  big["num_hidden_layers"] = 512;
  big["num_attention_heads"] = 512;
  big["num_key_value_heads"] = 512;
  big["max_position_embeddings"] = int64_t{1} << 34;
  const Json reply = reply_of(api::estimate(request_with_config(big.dump(), {{"max_model_len", 1 << 27}})));
  if (reply["ok"].get<bool>()) {
    require_usable(reply);
    CHECK_FALSE(reply["fits"].get<bool>());
  } else {
    CHECK_FALSE(refused_field(reply).empty());
  }
  require_still_answering();
}

TEST_CASE("robustness: one estimate of every bundled model is fast", "[robustness][resources]") {
  // A sanity bound, not a benchmark: an estimate is arithmetic over a few hundred layers; even a
  // sanitizer build stays far below 50 ms. Anything slower means a loop grew with the input.
  const Json models = reply_of(api::list_models())["models"];
  REQUIRE(models.size() >= 10);
  double slowest_ms = 0;
  std::string slowest;
  for (const auto& m : models) {
    const std::string request = Json{{"model", m["name"]}, {"gpu", "H100"}}.dump();
    // Best of three, so a busy machine's scheduling hiccup is not mistaken for a slow estimate.
    double ms = 1e9;
    std::string reply;
    for (int i = 0; i < 3; ++i) {
      const auto start = std::chrono::steady_clock::now();
      reply = api::estimate(request);
      ms = std::min(ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    if (ms > slowest_ms) slowest_ms = ms, slowest = m["name"].get<std::string>();
    INFO(m["name"].get<std::string>() << ": " << ms << " ms; " << reply.substr(0, 300));
    CHECK(ms < 50.0);
    const Json j = reply_of(reply);
    if (j["ok"].get<bool>()) require_usable(j);
    else CHECK_FALSE(refused_field(j).empty());  // e.g. a model too large for TP 1 is an answer, not an error
  }
  WARN("slowest bundled-model estimate: " << slowest << ", " << slowest_ms << " ms (bound 50 ms)");
}

// ---- Regressions: each input below once crashed or gave a wrong answer (docs/robustness.md) ----

TEST_CASE("regression: zero KV heads or zero head_dim are refused, not divided by", "[robustness][regression]") {
  baseline_reply();  // computed before any hostile input
  // num_key_value_heads 0 reached `num_attention_heads % 0` (SIGFPE: the process died).
  for (const char* key : {"num_key_value_heads", "head_dim"}) {
    Json config = llama_config();
    config[key] = 0;
    INFO(key << " = 0");
    CHECK(names_key(refused_field(reply_of(api::estimate(request_with_config(config.dump())))), key));
  }
  require_still_answering();
}

TEST_CASE("regression: text cut inside a multi-byte UTF-8 character", "[robustness][regression]") {
  baseline_reply();  // computed before any hostile input
  // Messages quote a bounded prefix of what the user typed; cutting "é" in half made the reply
  // invalid UTF-8, and serialising it threw from inside the error handler (std::terminate).
  const std::string e = "\u00e9";
  std::string many;
  for (int i = 0; i < 150; ++i) many += e;
  const std::string odd = "a" + many;  // every cut at an even byte offset splits an "é"
  auto estimate = [](Json request) {
    if (!request.contains("gpu")) request["gpu"] = "H100";
    if (!request.contains("config") && !request.contains("model")) request["model"] = kLlama;
    return reply_of(api::estimate(request.dump()));
  };
  CHECK(refused_field(estimate({{"gpu", odd}})) == "gpu");
  CHECK(refused_field(estimate({{"model", odd}})) == "model");
  const Json version = estimate({{"vllm_version", "0.1" + many}});
  CHECK(refused_field(version) == "vllm_version");
  Json config = llama_config();
  config["hidden_size"] = odd;
  CHECK(names_key(refused_field(estimate({{"config", config.dump()}})), "hidden_size"));
  config = llama_config();
  config["torch_dtype"] = odd;
  CHECK(names_key(refused_field(estimate({{"config", config.dump()}})), "torch_dtype"));
  // A long non-ASCII model name in a valid config is fine: the estimate must not be refused.
  config = llama_config();
  config["_name_or_path"] = odd;
  require_usable(estimate({{"config", config.dump()}}));
  const Json newer = estimate({{"vllm_version", "0.21.0" + many}});
  if (newer["ok"].get<bool>()) require_usable(newer);
  else CHECK(refused_field(newer) == "vllm_version");
  require_still_answering();
}

TEST_CASE("regression: a vision tower whose size overflows 64-bit integers", "[robustness][regression]") {
  baseline_reply();  // computed before any hostile input
  // hidden 2^24 with a 16 x 16 merge: (2^24 x 256)^2 = 2^64 parameters in the projector.
  Json config = llama_config();
  config["vision_config"] = {{"depth", 32}, {"hidden_size", 1 << 24}, {"spatial_merge_size", 16}};
  const Json reply = reply_of(api::estimate(request_with_config(config.dump())));
  CHECK(refused_field(reply).rfind("vision_config", 0) == 0);
  require_still_answering();
}

TEST_CASE("regression: a number beyond a double (1e999) is named by its key", "[robustness][regression]") {
  baseline_reply();  // computed before any hostile input
  // nlohmann refuses 1e999 with out_of_range, not parse_error: it escaped parse_json_text and
  // came back as "malformed input" on the field "request" whatever key held it.
  for (const std::string pointer : {"/hidden_size", "/rope_scaling/factor", "/eos_token_id/1"}) {
    INFO(pointer);
    const Json reply = reply_of(api::estimate(request_with_config(config_with_raw(llama_config(), pointer, "-1e999"))));
    const std::string expected = pointer == "/hidden_size"          ? "hidden_size"
                                 : pointer == "/rope_scaling/factor" ? "rope_scaling.factor"
                                                                     : "eos_token_id[1]";
    CHECK(refused_field(reply) == expected);
    CHECK(reply["error"]["message"].get<std::string>().find("1e999") != std::string::npos);
  }
  std::string request = Json{{"model", kLlama}, {"gpu", "H100"}, {"max_model_len", "@@HOSTILE@@"}}.dump();
  request.replace(request.find("\"@@HOSTILE@@\""), 13, "1e999");
  CHECK(refused_field(reply_of(api::estimate(request))) == "max_model_len");
  CHECK(refused_field(reply_of(api::estimate("1e999"))) == "request");
  require_still_answering();
}

TEST_CASE("regression: MoE layers in a layer pattern without an expert count", "[robustness][regression]") {
  baseline_reply();  // computed before any hostile input
  // Found by fuzz_estimate: a NemotronH pattern with 'E' layers but no n_routed_experts left the
  // MoE shape empty, and the weights read it anyway (undefined behaviour, garbage sizes).
  const Json nemotron = Json::parse(read_file("models/configs/nvidia__NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.json"));
  REQUIRE(nemotron.contains("n_routed_experts"));
  require_usable(reply_of(api::estimate(request_with_config(nemotron.dump()))));
  for (const Json experts : {Json(), Json(1), Json(0)}) {
    Json config = nemotron;
    if (experts.is_null()) config.erase("n_routed_experts");
    else config["n_routed_experts"] = experts;
    INFO("n_routed_experts " << experts.dump());
    CHECK(refused_field(reply_of(api::estimate(request_with_config(config.dump())))) == "n_routed_experts");
  }
  require_still_answering();
}
