// Every bundled config parses and estimates on an H100 and an MI300X at TP 1, 2, 4 and 8.
// A TP that vLLM would refuse must be refused with an error naming tensor_parallel_size; any
// other error, and any non-finite or negative term, is a failure.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "core/budget.h"
#include "core/bundled_models.h"
#include "core/model_config.h"
#include "core/report_json.h"
#include "test_helpers.h"

using headroom::Estimate;

namespace {

void check_terms(const Estimate& e) {
  for (const auto& r : e.ranks) {
    for (const headroom::Term* t : {&r.weights_term, &r.activation_term, &r.non_torch_term, &r.cudagraph_term}) {
      INFO(t->key << " = " << t->value);
      CHECK(std::isfinite(t->value));
      CHECK(t->value >= 0);
    }
    CHECK(r.weights_term.value > 0);
    CHECK(std::isfinite(r.avail_bytes));  // negative when nothing is left for the KV cache
    CHECK(r.own_blocks >= 0);
    CHECK(r.kv.block_size > 0);
    CHECK(r.kv.block_cost_bytes > 0);
  }
  CHECK(e.kv.num_blocks >= 0);
  CHECK(e.kv.tokens_logged >= 0);
  CHECK(std::isfinite(e.kv.max_concurrency));
  CHECK(e.kv.max_concurrency >= 0);
  if (e.fits) {
    CHECK(e.kv.num_blocks > 0);
    CHECK(e.kv.max_concurrency > 0);
    CHECK(e.fit_reason.empty());
  } else {
    CHECK_FALSE(e.fit_reason.empty());
  }
}

}  // namespace

TEST_CASE("at least 40 bundled models, each parses", "[bundled]") {
  const auto& models = headroom::bundled_models();
  CHECK(models.size() >= 40);
  for (const auto& m : models) {
    INFO(m.name);
    CHECK_NOTHROW(headroom::parse_model_config(m.config_json));
    CHECK(headroom::find_bundled_model(m.name).name == m.name);
  }
}

TEST_CASE("every bundled model estimates on H100 and MI300X at TP 1, 2, 4, 8", "[bundled]") {
  for (const auto& m : headroom::bundled_models()) {
    for (const char* gpu : {"H100", "MI300X"}) {
      int legal = 0;
      for (int64_t tp : {1, 2, 4, 8}) {
        INFO(m.name << " on " << gpu << " at TP " << tp);
        headroom::EngineRequest r = testutil::bundled_request(m.name, gpu);
        r.tensor_parallel_size = tp;
        try {
          const Estimate e = headroom::run_estimate(r);
          ++legal;
          check_terms(e);
          const testutil::Json j = headroom::estimate_to_json(e);
          for (const char* key : {"weights_gib", "activation_gib", "non_torch_gib", "cudagraph_gib", "kv_cache_gib",
                                  "num_gpu_blocks", "kv_cache_tokens", "max_concurrency", "fits", "notes"})
            CHECK(j.contains(key));
          // The response text carries the computed values exactly (the writer's numbers read back bit for bit).
          CHECK(j["kv_cache_gib"].get<double>() == e.rank().avail_bytes / headroom::kGiB);
          CHECK(j["max_concurrency"].get<double>() == e.kv.max_concurrency);
          CHECK(j["terms"].size() == 7);
          CHECK(j["terms"][1]["value"].get<double>() == e.rank().activation_term.value);
          CHECK(j["ranks"].size() == e.ranks.size());
        } catch (const headroom::InputError& err) {
          INFO("InputError [" << err.field() << "]: " << err.what());
          CHECK(err.field() == "tensor_parallel_size");
          CHECK(tp > 1);
        }
      }
      CHECK(legal >= 1);
    }
  }
}

TEST_CASE("pipeline parallel estimates for the large bundled models", "[bundled][pp]") {
  for (const char* name : {"meta-llama/Llama-3.1-405B", "deepseek-ai/DeepSeek-V3", "Qwen/Qwen3-235B-A22B",
                           "moonshotai/Kimi-K2-Instruct"}) {
    headroom::EngineRequest r = testutil::bundled_request(name, "H200");
    r.tensor_parallel_size = 8;
    r.pipeline_parallel_size = 2;
    INFO(name);
    const Estimate e = headroom::run_estimate(r);
    REQUIRE(e.ranks.size() == 2);
    check_terms(e);
  }
}
