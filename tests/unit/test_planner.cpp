// Tests for core/planner: each solver's answer is checked against the forward estimate (it
// fits; one step further does not), and tensor-parallel sizes vLLM would refuse are refused
// with an error naming tensor_parallel_size.
#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "core/budget.h"
#include "core/planner.h"
#include "test_helpers.h"

using headroom::EngineRequest;
using headroom::LoadedModel;
using headroom::meets;

namespace {

const char* const kLlama8b = "meta-llama/Llama-3.1-8B-Instruct";

bool meets_with(EngineRequest r, const LoadedModel& m, int64_t concurrency) {
  try {
    return meets(headroom::estimate_for(r, m), concurrency);
  } catch (const headroom::InputError&) {
    return false;
  }
}

std::string tp_error_field(const std::string& model, int64_t tp) {
  EngineRequest r = testutil::bundled_request(model);
  r.tensor_parallel_size = tp;
  return testutil::input_error_field([&] { headroom::run_estimate(r); });
}

}  // namespace

TEST_CASE("solve_max_model_len: the answer serves the target concurrency, one token more does not", "[planner]") {
  for (const char* gpu : {"H100", "L40S", "A100-40GB"}) {
    for (int64_t concurrency : {1, 8, 64}) {
      EngineRequest r = testutil::bundled_request(kLlama8b, gpu);
      const LoadedModel m = headroom::load_model(r);
      const int64_t len = headroom::solve_max_model_len(r, m, concurrency);
      INFO(gpu << ", " << concurrency << " concurrent requests: max_model_len " << len);
      REQUIRE(len > 0);
      EngineRequest at = r;
      at.max_model_len = len;
      CHECK(meets_with(at, m, concurrency));
      at.max_model_len = len + 1;
      CHECK_FALSE(meets_with(at, m, concurrency));
    }
  }
  SECTION("the whole context when it fits: one request of 131072 tokens on an H100") {
    EngineRequest r = testutil::bundled_request(kLlama8b);
    CHECK(headroom::solve_max_model_len(r, headroom::load_model(r), 1) == 131072);
  }
  SECTION("0 when nothing fits: Llama-3.1-70B on one L4") {
    EngineRequest r = testutil::bundled_request("meta-llama/Llama-3.1-70B-Instruct", "L4");
    CHECK(headroom::solve_max_model_len(r, headroom::load_model(r), 1) == 0);
  }
}

TEST_CASE("solve_utilization: the answer meets the target, 0.01 less does not", "[planner]") {
  // 40 x 8192 tokens need 40 GiB of KV cache next to ~18 GiB of weights and overheads: near the
  // top of what an H100 holds.
  for (int64_t concurrency : {1, 16, 40}) {
    EngineRequest r = testutil::bundled_request(kLlama8b);
    r.max_model_len = 8192;
    const LoadedModel m = headroom::load_model(r);
    const std::optional<double> u = headroom::solve_utilization(r, m, concurrency);
    INFO(concurrency << " x 8192 tokens");
    REQUIRE(u.has_value());
    CHECK(*u > 0.0);
    CHECK(*u <= 1.0);
    EngineRequest at = r;
    at.gpu_memory_utilization = *u;
    CHECK(meets_with(at, m, concurrency));
    at.gpu_memory_utilization = *u - 0.01;
    CHECK_FALSE(meets_with(at, m, concurrency));
  }
  SECTION("nullopt when no utilisation is enough: 64 x 8192 tokens on one H100, or a 70B model on an L4") {
    EngineRequest many = testutil::bundled_request(kLlama8b);
    many.max_model_len = 8192;
    CHECK_FALSE(headroom::solve_utilization(many, headroom::load_model(many), 64).has_value());
    EngineRequest r = testutil::bundled_request("meta-llama/Llama-3.1-70B-Instruct", "L4");
    r.max_model_len = 8192;
    CHECK_FALSE(headroom::solve_utilization(r, headroom::load_model(r), 1).has_value());
  }
}

TEST_CASE("TP must divide the attention heads and fit the KV heads", "[planner][legality]") {
  // Qwen2.5-0.5B: 14 heads, 2 KV heads.
  CHECK(tp_error_field("Qwen/Qwen2.5-0.5B", 2) == "");
  CHECK(tp_error_field("Qwen/Qwen2.5-0.5B", 4) == "tensor_parallel_size");
  CHECK(tp_error_field("Qwen/Qwen2.5-0.5B", 8) == "tensor_parallel_size");
  // Qwen2.5-7B: 28 heads, 4 KV heads.
  CHECK(tp_error_field("Qwen/Qwen2.5-7B", 4) == "");
  CHECK(tp_error_field("Qwen/Qwen2.5-7B", 8) == "tensor_parallel_size");
  // Qwen2.5-14B: 40 heads, 8 KV heads.
  CHECK(tp_error_field("Qwen/Qwen2.5-14B", 8) == "");
  CHECK(tp_error_field("Qwen/Qwen2.5-14B", 16) == "tensor_parallel_size");
  // phi-4: 40 heads but 10 KV heads, which 4 and 8 neither divide nor are divided by.
  CHECK(tp_error_field("microsoft/phi-4", 2) == "");
  CHECK(tp_error_field("microsoft/phi-4", 4) == "tensor_parallel_size");
  CHECK(tp_error_field("microsoft/phi-4", 8) == "tensor_parallel_size");
  // Qwen2.5-3B: 16 heads, 2 KV heads: TP 8 replicates each KV head 4 times.
  CHECK(tp_error_field("Qwen/Qwen2.5-3B", 8) == "");
  // gemma-3-1b: 4 heads, 1 KV head.
  CHECK(tp_error_field("google/gemma-3-1b-it", 4) == "");
  CHECK(tp_error_field("google/gemma-3-1b-it", 8) == "tensor_parallel_size");
  // Pipeline stages beyond the layer count.
  EngineRequest r = testutil::request_for(testutil::tiny_llama());
  r.pipeline_parallel_size = 3;
  CHECK(testutil::input_error_field([&] { headroom::run_estimate(r); }) == "pipeline_parallel_size");
}

TEST_CASE("the plan lists the TP sizes it skipped and why", "[planner]") {
  EngineRequest r = testutil::bundled_request("Qwen/Qwen2.5-7B");
  headroom::PlanTargets t;
  t.concurrency = 4000;  // more than one H100 serves, so the TP search goes past TP 4
  t.context = 8192;
  const headroom::Plan p = headroom::make_plan(r, t, 4);
  bool tp8_rejected = false;
  for (const auto& why : p.tp_rejections)
    if (why.rfind("TP 8:", 0) == 0 && why.find("28 attention heads") != std::string::npos) tp8_rejected = true;
  CHECK(tp8_rejected);
  if (p.min_tensor_parallel_size) CHECK(*p.min_tensor_parallel_size != 8);
}

TEST_CASE("the plan's answers agree with the solvers", "[planner]") {
  EngineRequest r = testutil::bundled_request(kLlama8b);
  headroom::PlanTargets t;
  t.concurrency = 16;
  t.context = 8192;
  const headroom::Plan p = headroom::make_plan(r, t, 4);
  const LoadedModel m = headroom::load_model(r);
  CHECK(p.max_model_len == headroom::solve_max_model_len(r, m, 16));
  EngineRequest at = r;
  at.max_model_len = 8192;
  CHECK(p.gpu_memory_utilization == headroom::solve_utilization(at, m, 16));
  REQUIRE(p.min_tensor_parallel_size);
  CHECK(*p.min_tensor_parallel_size == 1);
  CHECK_FALSE(p.smallest_gpu.empty());
  CHECK(p.heatmap.contexts.size() == p.heatmap.max_concurrency.size());
}
