// "Bring your own log" (issue 8): the comparison and the calibration built on the parser.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/api.h"
#include "core/bundled_models.h"
#include "core/gpu_catalog.h"
#include "core/log_check.h"

using nlohmann::json;

namespace {

std::vector<json> fixture_records() {
  std::ifstream in(std::string(HEADROOM_SOURCE_DIR) + "/tests/fixtures/records.jsonl");
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

std::string joined(const json& lines) {
  std::string text;
  for (const auto& l : lines) text += l.get<std::string>() + "\n";
  return text;
}

// The record's GPU as the catalogue knows it ("NVIDIA L40S (stated)" -> "NVIDIA L40S").
std::string record_gpu(const json& r) {
  if (!r["gpu"].is_string()) return "";
  std::string g = r["gpu"].get<std::string>();
  if (auto p = g.find(" ("); p != std::string::npos) g = g.substr(0, p);
  try {
    return headroom::find_gpu(g).id;
  } catch (...) {
    return "";
  }
}

}  // namespace

TEST_CASE("calibrating to a fixture log reproduces its KV cache within one block", "[log_check]") {
  int checked = 0;
  for (const auto& r : fixture_records()) {
    if (!r.contains("raw_lines") || !r["model"].is_string()) continue;
    const std::string model = r["model"].get<std::string>();
    if (!headroom::try_find_bundled_model(model)) continue;
    std::string gpu = record_gpu(r);
    json body = {{"log", joined(r["raw_lines"])}, {"model", model}};
    if (gpu.empty() && r["gpu_total_gib"].is_number()) {  // unnamed GPU: its logged size is enough
      gpu = "H100";
      body["gpu_memory_gib"] = r["gpu_total_gib"];
    }
    if (gpu.empty()) continue;
    body["gpu"] = gpu;
    if (r["tp"].is_number_integer()) body["tensor_parallel_size"] = r["tp"];
    const json out = headroom::check_log_response(body);
    INFO(r["id"].get<std::string>());
    REQUIRE(out["ok"] == true);
    const json& logged = out["logged"];
    if (!logged["kv_cache_gib"].is_number() || !logged["weights_gib"].is_number()) continue;
    REQUIRE(out.contains("calibrated"));
    const double block = out["calibrated"]["kv"]["block_cost_bytes"].get<double>();
    const double diff = std::abs(out["calibrated"]["kv_cache_gib"].get<double>() - logged["kv_cache_gib"].get<double>());
    CHECK(diff * 1073741824.0 < block);
    // What-ifs start from the measured terms: the override is what the calibrated estimate used.
    CHECK(out["calibrated"]["weights_gib"].get<double>() == Approx(logged["weights_gib"].get<double>()));
    ++checked;
  }
  CHECK(checked >= 2);  // the fixtures hold several such logs; losing them would empty this test
}

TEST_CASE("check-log without a config shows the logged figures only", "[log_check]") {
  const json out = json::parse(headroom::api::check_log(R"({"log": "INFO 05-01 [gpu_worker.py:1] Available KV cache memory: 55.15 GiB"})"));
  REQUIRE(out["ok"] == true);
  CHECK(out["logged"]["kv_cache_gib"].get<double>() == Approx(55.15));
  CHECK_FALSE(out.contains("predicted"));
}

TEST_CASE("malformed and partial logs never fail", "[log_check]") {
  const char* logs[] = {"", "\x01\x02\xff garbage", "Available KV cache memory: GiB", "GPU KV cache size: ,,, tokens",
                        "Maximum concurrency for  tokens per request: x"};
  for (const char* text : logs) {
    const json request = {{"log", text}, {"model", "meta-llama/Llama-3.1-8B-Instruct"}, {"gpu", "H100"}};
    const json out = json::parse(headroom::api::check_log(request.dump(-1, ' ', false, json::error_handler_t::replace)));
    INFO(text);
    CHECK(out["ok"] == true);
  }
  const json bad = json::parse(headroom::api::check_log(R"({"nolog": 1})"));
  CHECK(bad["ok"] == false);
  CHECK(bad["error"]["field"] == "log");
}

TEST_CASE("a calibration override travels through the estimate request", "[log_check]") {
  const json base = json::parse(headroom::api::estimate(R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "H100", "max_model_len": 8192})"));
  const json cal = json::parse(headroom::api::estimate(
      R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "H100", "max_model_len": 8192,
          "calibration_override": {"activation_gib": 3.0, "non_torch_gib": 0.5, "cudagraph_gib": 1.0}})"));
  REQUIRE(cal["ok"] == true);
  CHECK(cal["activation_gib"].get<double>() == Approx(3.0));
  CHECK(cal["non_torch_gib"].get<double>() == Approx(0.5));
  CHECK(cal["kv_cache_gib"].get<double>() < base["kv_cache_gib"].get<double>());
}
