// Tests for core/budget: vLLM's KV-budget equation per era (docs/vllm-memory-model.md §2.1),
// blocks cut from it, the verdict and its reasons, pipeline ranks, and the invariants users
// rely on (more utilisation -> more KV, fp8 KV -> twice the tokens, eager -> no graph memory).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "core/budget.h"
#include "core/calibration.h"
#include "test_helpers.h"

using headroom::EngineRequest;
using headroom::Estimate;
using headroom::RankEstimate;
using testutil::kGiB;
using testutil::tiny_llama;

namespace {

const char* const kLlama8b = "meta-llama/Llama-3.1-8B-Instruct";

Estimate llama(const std::string& version, const std::string& gpu = "H100") {
  EngineRequest r = testutil::bundled_request(kLlama8b, gpu);
  r.vllm_version = version;
  r.max_model_len = 8192;
  return headroom::run_estimate(r);
}

double non_kv_bytes(const RankEstimate& r, bool with_graphs) {
  return (r.weights_term.value + r.activation_term.value + r.non_torch_term.value +
          (with_graphs ? r.cudagraph_term.value : 0.0)) * kGiB;
}

}  // namespace

TEST_CASE("the budget equation of each era", "[budget]") {
  constexpr double kH100Bytes = 85029158912.0;  // 79.19 GiB as the CUDA runtime reports it
  SECTION("v0.21 (E8): ceil(total x 0.92) minus weights, activation, non-torch and graphs") {
    const Estimate e = llama("0.21.0");
    CHECK(e.total_bytes == kH100Bytes);
    CHECK(e.settings.gpu_memory_utilization == 0.92);
    CHECK(e.requested_bytes == std::ceil(kH100Bytes * 0.92));
    CHECK(e.rank().avail_bytes == Approx(e.requested_bytes - non_kv_bytes(e.rank(), true)).epsilon(1e-12));
  }
  SECTION("v0.19 (E7): graphs are measured but not subtracted; default utilisation 0.90") {
    const Estimate e = llama("0.19.0");
    CHECK(e.settings.gpu_memory_utilization == 0.90);
    CHECK(e.requested_bytes == std::ceil(kH100Bytes * 0.90));
    CHECK(e.rank().avail_bytes == Approx(e.requested_bytes - non_kv_bytes(e.rank(), false)).epsilon(1e-12));
  }
  SECTION("v0.10 (E5): no ceil yet") {
    const Estimate e = llama("0.10.0");
    CHECK(e.requested_bytes == kH100Bytes * 0.90);
    CHECK(e.rank().avail_bytes == Approx(e.requested_bytes - non_kv_bytes(e.rank(), false)).epsilon(1e-12));
  }
  SECTION("blocks are floor(available / block cost) in every era") {
    for (const char* v : {"0.21.0", "0.19.0", "0.10.0", "0.8.0", "0.6.3"}) {
      const Estimate e = llama(v);
      INFO("vLLM " << v);
      CHECK(e.kv.num_blocks == static_cast<int64_t>(std::floor(e.rank().avail_bytes / e.rank().kv.block_cost_bytes)));
    }
  }
  SECTION("--kv-cache-memory replaces the equation by the given bytes") {
    EngineRequest r = testutil::bundled_request(kLlama8b);
    r.kv_cache_memory_gib = 10.0;
    const Estimate e = headroom::run_estimate(r);
    CHECK(e.rank().avail_bytes == 10.0 * kGiB);
    CHECK(e.kv.num_blocks == 10 * 512);  // 10 GiB / (32 layers x 64 KiB pages) = 10 x 512
  }
}

TEST_CASE("activation: persist + max(forward, sampler), sampler on min(N, T) rows of the last stage", "[budget][activation]") {
  EngineRequest r = testutil::request_for(tiny_llama());
  r.max_num_seqs = 4;
  r.max_num_batched_tokens = 2048;
  const Estimate e = headroom::run_estimate(r);
  const auto& a = e.rank().activation;
  CHECK(a.sampler_runs);
  CHECK(a.sampler_rows == 4);
  // fp32 logits work: rows x vocab 1000 x c_s, plus the T x H hidden states in 2 B.
  const double c_s = headroom::calibration().sampler_bytes_triton.value;
  CHECK(a.sampler_bytes == Approx(4 * 1000 * c_s + 2048.0 * 64 * 2));
  CHECK(a.total_bytes == Approx(a.persist_bytes + std::max(a.forward_bytes, a.sampler_bytes)));
  CHECK(e.rank().activation_term.value == Approx(a.total_bytes / kGiB));

  SECTION("with pipeline stages only the last one samples") {
    r.pipeline_parallel_size = 2;
    const Estimate pp = headroom::run_estimate(r);
    REQUIRE(pp.ranks.size() == 2);
    CHECK_FALSE(pp.ranks[0].activation.sampler_runs);
    CHECK(pp.ranks[0].activation.sampler_bytes == 0);
    CHECK(pp.ranks[1].activation.sampler_runs);
  }
  SECTION("a larger profile batch never lowers the peak") {
    double previous = 0;
    for (int64_t t : {256, 512, 2048, 8192, 16384}) {
      EngineRequest big = testutil::bundled_request(kLlama8b);
      big.max_num_batched_tokens = t;
      big.max_num_seqs = 256;
      const double act = headroom::run_estimate(big).rank().activation_term.value;
      INFO("T " << t);
      CHECK(act >= previous);
      previous = act;
    }
  }
}

TEST_CASE("non-torch memory is larger with tensor parallel all-reduce buffers", "[budget][non_torch]") {
  EngineRequest r = testutil::bundled_request(kLlama8b);
  const double tp1 = headroom::run_estimate(r).rank().non_torch_term.value;
  r.tensor_parallel_size = 2;
  const double tp2 = headroom::run_estimate(r).rank().non_torch_term.value;
  CHECK(tp1 > 0);
  CHECK(tp2 > tp1);
}

TEST_CASE("KV cache grows with gpu_memory_utilization", "[budget][invariant]") {
  for (const char* model : {kLlama8b, "Qwen/Qwen3-8B", "deepseek-ai/DeepSeek-V2-Lite", "openai/gpt-oss-20b"}) {
    double previous_gib = -1e9;
    int64_t previous_blocks = -1;
    for (double u : {0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95}) {
      EngineRequest r = testutil::bundled_request(model);
      r.gpu_memory_utilization = u;
      r.max_model_len = 4096;
      const Estimate e = headroom::run_estimate(r);
      INFO(model << " at u = " << u);
      CHECK(e.kv_cache_gib() > previous_gib);
      CHECK(e.kv.num_blocks >= previous_blocks);
      previous_gib = e.kv_cache_gib();
      previous_blocks = e.kv.num_blocks;
    }
  }
}

TEST_CASE("an fp8 KV cache holds twice the tokens of bf16 in the same budget", "[budget][invariant]") {
  for (const char* model : {kLlama8b, "Qwen/Qwen3-8B", "mistralai/Mistral-7B-v0.1", "google/gemma-3-27b-it"}) {
    EngineRequest r = testutil::bundled_request(model);
    r.max_model_len = 8192;
    const Estimate bf16 = headroom::run_estimate(r);
    r.kv_cache_dtype = "fp8";
    const Estimate fp8 = headroom::run_estimate(r);
    INFO(model);
    REQUIRE(fp8.rank().weights_term.value == bf16.rank().weights_term.value);
    CHECK(fp8.rank().kv.bytes_per_token * 2 == bf16.rank().kv.bytes_per_token);
    // Same budget, pages of half the size: twice the blocks, give or take the floor.
    CHECK(std::abs(fp8.kv.num_blocks - 2 * bf16.kv.num_blocks) <= 2);
    CHECK(std::abs(fp8.kv.tokens_logged - 2 * bf16.kv.tokens_logged) <= 2 * 16 * 2);
  }
}

TEST_CASE("verdicts say why a configuration does not start", "[budget][fits]") {
  SECTION("Llama-3.1-70B on one L4: the weights alone exceed the budget") {
    const Estimate e = headroom::run_estimate(testutil::bundled_request("meta-llama/Llama-3.1-70B-Instruct", "L4"));
    CHECK_FALSE(e.fits);
    CHECK(e.rank().avail_bytes < 0);
    CHECK(e.kv.num_blocks == 0);
    CHECK(e.fit_reason.find("no memory left for the KV cache") != std::string::npos);
  }
  SECTION("Llama-3.1-8B on an L4 at its full 131072 context: one request does not fit") {
    const Estimate e = headroom::run_estimate(testutil::bundled_request(kLlama8b, "L4"));
    REQUIRE(e.rank().avail_bytes > 0);
    CHECK_FALSE(e.fits);
    CHECK(e.fit_reason.find("max_model_len 131072") != std::string::npos);
    // The suggested length is the largest whose one request fits the blocks.
    const int64_t best = e.largest_fitting_len;
    REQUIRE(best > 0);
    CHECK(best < 131072);
    CHECK(headroom::blocks_per_request(e.rank().kv, e.settings, best) <= e.kv.num_blocks);
    CHECK(headroom::blocks_per_request(e.rank().kv, e.settings, best + 1) > e.kv.num_blocks);
    CHECK(e.fit_reason.find(std::to_string(best)) != std::string::npos);

    EngineRequest shorter = testutil::bundled_request(kLlama8b, "L4");
    shorter.max_model_len = best;
    CHECK(headroom::run_estimate(shorter).fits);
  }
  SECTION("max_model_len beyond the model's positions is refused") {
    EngineRequest r = testutil::request_for(tiny_llama());
    r.max_model_len = 8192;  // 4096 positions
    const Estimate e = headroom::run_estimate(r);
    CHECK_FALSE(e.fits);
    CHECK(e.fit_reason.find("max_position_embeddings") != std::string::npos);
  }
  SECTION("utilisation above what is free after the CUDA context fails the start-up check") {
    EngineRequest r = testutil::bundled_request(kLlama8b);
    r.gpu_memory_utilization = 0.999;
    const Estimate e = headroom::run_estimate(r);
    CHECK_FALSE(e.fits);
    CHECK(e.fit_reason.find("gpu_memory_utilization") != std::string::npos);
  }
  SECTION("the default Llama-3.1-8B on an H100 starts") {
    const Estimate e = llama("0.21.0");
    CHECK(e.fits);
    CHECK(e.fit_reason.empty());
  }
}

TEST_CASE("pipeline parallel: one estimate per stage, the fewest blocks win", "[budget][pp]") {
  EngineRequest r = testutil::bundled_request(kLlama8b);
  r.pipeline_parallel_size = 3;  // 32 layers -> 11, 11, 10
  r.max_model_len = 8192;
  const Estimate e = headroom::run_estimate(r);
  REQUIRE(e.ranks.size() == 3);
  CHECK(e.ranks[0].weights.num_layers == 11);
  CHECK(e.ranks[1].weights.num_layers == 11);
  CHECK(e.ranks[2].weights.num_layers == 10);
  int64_t fewest = e.ranks[0].own_blocks;
  for (const auto& rank : e.ranks) fewest = std::min(fewest, rank.own_blocks);
  CHECK(e.kv.num_blocks == fewest);
  CHECK(e.rank().own_blocks == fewest);

  const testutil::Json j = testutil::api_estimate({{"model", kLlama8b}, {"gpu", "H100"}, {"pipeline_parallel_size", 3}});
  REQUIRE(j["ranks"].size() == 3);
  int64_t fewest_json = INT64_MAX, limiting = 0;
  for (const auto& rank : j["ranks"]) {
    fewest_json = std::min(fewest_json, rank["num_gpu_blocks_own"].get<int64_t>());
    limiting += rank["limiting"].get<bool>() ? 1 : 0;
  }
  CHECK(j["num_gpu_blocks"] == fewest_json);
  CHECK(limiting == 1);
}
