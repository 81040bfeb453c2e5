// Tests for core/api: the JSON boundary every front end uses (docs/api.md). Bad input comes
// back as {"ok": false, "error": {"field", "message"}}; nothing throws across it.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/api.h"
#include "test_helpers.h"

using testutil::Json;
using testutil::tiny_llama;
using testutil::with;

namespace {

// Parses an API answer; fails the test if it is not one JSON object with "ok".
Json answer(const std::string& text) {
  const Json j = Json::parse(text, nullptr, false);
  INFO(text.substr(0, 300));
  REQUIRE(j.is_object());
  REQUIRE(j.contains("ok"));
  return j;
}

// The error field of an estimate of `request` (raw text); "" if it succeeded.
std::string estimate_error(const std::string& request) {
  std::string out;
  REQUIRE_NOTHROW(out = headroom::api::estimate(request));
  const Json j = answer(out);
  if (j["ok"] == true) return "";
  REQUIRE(j["error"]["field"].is_string());
  REQUIRE(j["error"]["message"].is_string());
  CHECK_FALSE(j["error"]["message"].get<std::string>().empty());
  return j["error"]["field"].get<std::string>();
}

std::string estimate_error(const Json& request) { return estimate_error(request.dump()); }

Json tiny_request(const Json& changes = Json::object()) {
  return with({{"config", tiny_llama().dump()}, {"gpu", "H100"}}, changes);
}

}  // namespace

TEST_CASE("a good request answers ok with every documented key", "[api]") {
  const Json j = answer(headroom::api::estimate(tiny_request().dump()));
  REQUIRE(j["ok"] == true);
  for (const char* key : {"weights_gib", "activation_gib", "non_torch_gib", "cudagraph_gib", "kv_cache_gib",
                          "num_gpu_blocks", "kv_cache_tokens", "max_concurrency", "fits", "fit_reason", "notes",
                          "total_gib", "requested_gib", "unused_gib", "settings", "model", "gpu", "cudagraph", "kv",
                          "terms", "ranks", "vllm_serve"}) {
    INFO(key);
    CHECK(j.contains(key));
  }
  // The tiny model's weights by hand (test_weights.cpp): 639616 B.
  CHECK(j["weights_gib"].get<double>() * testutil::kGiB == Approx(639616));
  // A config object instead of its text is accepted too.
  CHECK(answer(headroom::api::estimate(Json{{"config", tiny_llama()}, {"gpu", "H100"}}.dump()))["ok"] == true);
}

TEST_CASE("malformed requests name the request", "[api][errors]") {
  for (const char* text : {"", "{", "not json", "[1, 2]", "42", "null", "\"a string\"", "{\"config\": }"}) {
    INFO("request: " << text);
    CHECK(estimate_error(std::string(text)) == "request");
  }
}

TEST_CASE("bad fields name the field", "[api][errors]") {
  CHECK(estimate_error(Json{{"gpu", "H100"}}) == "config");                       // neither config nor model
  CHECK(estimate_error(tiny_request({{"config", "{not json"}})) == "config");
  CHECK(estimate_error(tiny_request({{"config", "[]"}})) == "config");
  CHECK(estimate_error(Json{{"model", "no-such/model"}, {"gpu", "H100"}}) == "model");
  CHECK(estimate_error(tiny_request({{"gpu", "H9000"}})) == "gpu");
  CHECK(estimate_error(tiny_request({{"gpu", 100}})) == "gpu");
  CHECK(estimate_error(tiny_request({{"tensor_parallel_size", 0}})) == "tensor_parallel_size");
  CHECK(estimate_error(tiny_request({{"tensor_parallel_size", -2}})) == "tensor_parallel_size");
  CHECK(estimate_error(tiny_request({{"tensor_parallel_size", "two"}})) == "tensor_parallel_size");
  CHECK(estimate_error(tiny_request({{"tensor_parallel_size", 1.5}})) == "tensor_parallel_size");
  CHECK(estimate_error(tiny_request({{"tensor_parallel_size", 3}})) == "tensor_parallel_size");  // 4 heads
  CHECK(estimate_error(tiny_request({{"pipeline_parallel_size", 0}})) == "pipeline_parallel_size");
  CHECK(estimate_error(tiny_request({{"gpu_memory_utilization", 1.5}})) == "gpu_memory_utilization");
  CHECK(estimate_error(tiny_request({{"gpu_memory_utilization", 0}})) == "gpu_memory_utilization");
  CHECK(estimate_error(tiny_request({{"max_model_len", 0}})) == "max_model_len");
  CHECK(estimate_error(tiny_request({{"max_num_seqs", -1}})) == "max_num_seqs");
  CHECK(estimate_error(tiny_request({{"block_size", 17}})) == "block_size");
  CHECK(estimate_error(tiny_request({{"kv_cache_dtype", "int3"}})) == "kv_cache_dtype");
  CHECK(estimate_error(tiny_request({{"dtype", "int8"}})) == "dtype");
  CHECK(estimate_error(tiny_request({{"quantization", "zip9"}})) == "quantization");
  CHECK(estimate_error(tiny_request({{"vllm_version", "banana"}})) == "vllm_version");
  CHECK(estimate_error(tiny_request({{"vllm_version", "0.1.0"}})) == "vllm_version");
  CHECK(estimate_error(tiny_request({{"entrypoint", "grpc"}})) == "entrypoint");
  CHECK(estimate_error(tiny_request({{"enforce_eager", "maybe"}})) == "enforce_eager");
  CHECK(estimate_error(tiny_request({{"config", with(tiny_llama(), {{"hidden_size", -1}}).dump()}})) ==
        "hidden_size");
  CHECK(estimate_error(tiny_request({{"config", with(tiny_llama(), {{"num_key_value_heads", 0}}).dump()}})) ==
        "num_key_value_heads");
}

TEST_CASE("an unknown model_type with the standard decoder fields still estimates, and says so", "[api]") {
  // vLLM would need the architecture's code; Headroom can only read the shapes. An honest answer
  // is an estimate (the shapes are all there) that states the architecture is not one it knows.
  const Json config = with(tiny_llama(), {{"model_type", "brand_new_arch"}, {"architectures", {"BrandNewForCausalLM"}}});
  const Json j = answer(headroom::api::estimate(tiny_request({{"config", config.dump()}}).dump()));
  REQUIRE(j["ok"] == true);
  CHECK(j["weights_gib"].get<double>() * testutil::kGiB == Approx(639616));  // same shapes, same bytes
  bool named = false;
  for (const auto& note : j["notes"])
    if (note.get<std::string>().find("brand_new_arch") != std::string::npos) named = true;
  CHECK(named);
}

TEST_CASE("hostile input never throws and always answers JSON", "[api][errors]") {
  const std::vector<std::string> requests = {
      std::string(1 << 16, '['),                                    // deep nesting
      std::string("{\"config\": \"") + std::string(1 << 12, '{') + "\", \"gpu\": \"H100\"}",
      "{\"config\": \"{\\\"hidden_size\\\": 1e308}\", \"gpu\": \"H100\"}",
      "{\"config\": \"{\\\"model_type\\\": \\\"llama\\\", \\\"num_hidden_layers\\\": 99999999}\"}",
      "{\"model\": \"meta-llama/Llama-3.1-8B-Instruct\", \"max_model_len\": 9223372036854775807}",
      "{\"model\": \"meta-llama/Llama-3.1-8B-Instruct\", \"max_num_seqs\": 1e300}",
      std::string("{\"gpu\": \"\xff\xfe\"}"),
  };
  for (const auto& text : requests) {
    INFO("request of " << text.size() << " bytes starting " << text.substr(0, 60));
    std::string out;
    REQUIRE_NOTHROW(out = headroom::api::estimate(text));
    const Json j = answer(out);
    if (j["ok"] == false) CHECK(j["error"]["field"] != "internal");
  }
  for (const std::string text : {"", "[]", "{\"log\": 5}"}) {
    REQUIRE_NOTHROW(answer(headroom::api::plan(text)));
    REQUIRE_NOTHROW(answer(headroom::api::check_log(text)));
  }
}

TEST_CASE("plan: bad targets name the field", "[api][planner]") {
  const Json bad = answer(headroom::api::plan(tiny_request({{"target_concurrency", 0}}).dump()));
  CHECK(bad["ok"] == false);
  CHECK(bad["error"]["field"] == "target_concurrency");
  const Json good = answer(headroom::api::plan(
      Json{{"model", "meta-llama/Llama-3.1-8B-Instruct"}, {"gpu", "H100"}, {"target_concurrency", 8},
           {"target_context", 8192}, {"heatmap_size", 4}}.dump()));
  REQUIRE(good["ok"] == true);
  CHECK(good["max_model_len"].get<int64_t>() > 8192);
  CHECK(good["gpu_memory_utilization"].is_number());
}

TEST_CASE("lists: models, GPUs, versions", "[api]") {
  const Json models = answer(headroom::api::list_models());
  REQUIRE(models["ok"] == true);
  CHECK(models["models"].size() >= 40);
  for (const auto& m : models["models"]) {
    INFO(m.dump());
    CHECK_FALSE(m.contains("error"));
    CHECK(m["params_b"].get<double>() > 0);
  }
  const Json gpus = answer(headroom::api::list_gpus());
  REQUIRE(gpus["ok"] == true);
  CHECK(gpus["gpus"].size() >= 25);
  const Json v = answer(headroom::api::version_info());
  REQUIRE(v["ok"] == true);
  CHECK(v["known_vllm_versions"][0] == v["default_vllm_version"]);
}
