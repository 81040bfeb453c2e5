// Tests for core/multimodal_profile: the dummy batch vLLM's profile run gives the vision
// encoder, and the bytes it keeps alive through the language-model pass. Worked out by hand
// from the bundled configs and the rules in docs/vllm-memory-model.md §4.1.
#include <catch2/catch.hpp>
#include <string>

#include "core/budget.h"
#include "test_helpers.h"

using headroom::EngineRequest;
using headroom::MultimodalProfile;
using testutil::Json;

namespace {

EngineRequest request(const std::string& model, const std::string& version, int64_t max_model_len) {
  EngineRequest r = testutil::bundled_request(model, "H100");
  r.vllm_version = version;
  r.max_model_len = max_model_len;
  r.max_num_batched_tokens = 8192;
  r.max_num_seqs = 1024;
  return r;
}

MultimodalProfile profile(const EngineRequest& r) { return headroom::run_estimate(r).ranks.front().activation.multimodal; }

}  // namespace

TEST_CASE("Gemma-3: as many 256-token images as the 8192-token budget holds", "[multimodal]") {
  const MultimodalProfile p = profile(request("google/gemma-3-4b-it", "0.19.0", 8192));
  REQUIRE(p.modelled);
  CHECK(p.modality == "image");
  CHECK(p.tokens_per_item == 256);
  CHECK(p.items == 32);                                  // 8192 / 256
  CHECK(p.pixel_bytes == 32.0 * 3 * 896 * 896 * 2);      // bf16 pixels, 896 px images
  CHECK(p.output_bytes == 32.0 * 256 * 2560 * 2);        // rows of the text width
  CHECK(p.padding_bytes == 0);
  CHECK(p.kept_bytes == p.pixel_bytes + p.output_bytes);

  SECTION("v0.11 copied every output into a zero buffer of the whole budget") {
    const MultimodalProfile old = profile(request("google/gemma-3-4b-it", "0.11.0", 8192));
    CHECK(old.padding_bytes == 32.0 * 8192 * 2560 * 2);
  }
}

TEST_CASE("Llama-4: one 17-tile image is 2448 tokens", "[multimodal]") {
  const MultimodalProfile p = profile(request("meta-llama/Llama-4-Scout-17B-16E-Instruct", "0.19.0", 8192));
  REQUIRE(p.modelled);
  CHECK(p.tokens_per_item == 17 * 144);
  CHECK(p.items == 3);  // 8192 / 2448
  CHECK(p.pixel_bytes == 3.0 * 17 * 3 * 336 * 336 * 2);
  CHECK(p.output_bytes == 3.0 * 2448 * 5120 * 2);
}

TEST_CASE("Qwen3-VL: the largest image from v0.13, v0.11's oversized dummy video before", "[multimodal]") {
  const MultimodalProfile p = profile(request("Qwen/Qwen3-VL-30B-A3B-Instruct", "0.18.0", 8192));
  REQUIRE(p.modelled);
  CHECK(p.modality == "image");
  CHECK(p.tokens_per_item == 16384);  // 4096^2 px / 16^2 / 2^2
  CHECK(p.items == 1);
  // Each row holds the merger's output and the three deepstack levels: 4 x 2048.
  CHECK(p.output_bytes == 16384.0 * 4 * 2048 * 2);
  CHECK(p.pixel_bytes == 16384.0 * 4 * (3 * 2 * 16 * 16) * 2);

  const MultimodalProfile old = profile(request("Qwen/Qwen3-VL-30B-A3B-Instruct", "0.11.0", 65536));
  CHECK(old.modality == "video");
  CHECK(old.tokens_per_item == 153600);
  CHECK(old.output_bytes == 12288.0 * 4 * 2048 * 2);
  CHECK(old.padding_bytes == 153600.0 * 4 * 2048 * 2);
}

TEST_CASE("Qwen2.5-VL: a dummy video outgrows the image once max_model_len allows", "[multimodal]") {
  const MultimodalProfile shortctx = profile(request("Qwen/Qwen2.5-VL-7B-Instruct", "0.19.0", 8192));
  CHECK(shortctx.modality == "image");
  CHECK(shortctx.tokens_per_item == 16384);  // 3584^2 px / 14^2 / 2^2
  const MultimodalProfile longctx = profile(request("Qwen/Qwen2.5-VL-7B-Instruct", "0.19.0", 65536));
  CHECK(longctx.modality == "video");
  CHECK(longctx.tokens_per_item == 4 * 16384);
  CHECK(longctx.output_bytes == 4.0 * 16384 * 3584 * 2);
}

TEST_CASE("the encoder pass is counted only where it is known", "[multimodal]") {
  SECTION("a family whose dummy inputs are not known says so") {
    const headroom::Estimate e = headroom::run_estimate(request("llava-hf/llava-1.5-7b-hf", "0.19.0", 4096));
    CHECK_FALSE(e.ranks.front().activation.multimodal.modelled);
    CHECK(e.ranks.front().activation.multimodal.kept_bytes == 0);
    bool noted = false;
    for (const auto& n : e.notes) noted = noted || n.find("multimodal profile pass") != std::string::npos;
    CHECK(noted);
  }
  SECTION("text-only models have none") {
    CHECK_FALSE(profile(request("meta-llama/Llama-3.1-8B-Instruct", "0.19.0", 8192)).modelled);
  }
  SECTION("--skip-mm-profiling (JSON skip_mm_profiling) removes it") {
    const Json with_pass = testutil::api_estimate({{"model", "google/gemma-3-4b-it"}, {"max_model_len", 8192}});
    const Json skipped = testutil::api_estimate({{"model", "google/gemma-3-4b-it"}, {"max_model_len", 8192}, {"skip_mm_profiling", true}});
    REQUIRE(skipped["ok"] == true);
    CHECK(skipped["settings"]["skip_mm_profiling"] == true);
    const MultimodalProfile p = profile(request("google/gemma-3-4b-it", "", 8192));
    CHECK(with_pass["activation_gib"].get<double>() - skipped["activation_gib"].get<double>() ==
          Approx(p.kept_bytes / headroom::kGiB));
  }
  SECTION("it adds to the activation peak") {
    const headroom::Estimate e = headroom::run_estimate(request("google/gemma-3-4b-it", "0.19.0", 8192));
    const auto& a = e.ranks.front().activation;
    CHECK(a.total_bytes == Approx(a.persist_bytes + a.multimodal.kept_bytes + std::max(a.forward_bytes, a.sampler_bytes)));
  }
}
