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

  SECTION("v0.11 copied every output into a zero buffer of the whole budget, v0.12 of its own length") {
    const MultimodalProfile v11 = profile(request("google/gemma-3-4b-it", "0.11.0", 8192));
    CHECK(v11.padding_bytes == 32.0 * 8192 * 2560 * 2);
    const MultimodalProfile v12 = profile(request("google/gemma-3-4b-it", "0.12.0", 8192));
    CHECK(v12.padding_bytes == 0);  // 256 rows padded to 256
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

  for (const char* version : {"0.11.0", "0.12.0"}) {
    // v0.11 pads to the budget, v0.12 to the tokens per item: both 153600 rows here.
    const MultimodalProfile old = profile(request("Qwen/Qwen3-VL-30B-A3B-Instruct", version, 65536));
    CHECK(old.modality == "video");
    CHECK(old.tokens_per_item == 153600);
    CHECK(old.output_bytes == 12288.0 * 4 * 2048 * 2);
    CHECK(old.padding_bytes == 153600.0 * 4 * 2048 * 2);
  }
}

TEST_CASE("Qwen2/2.5-VL: a dummy video outgrows the image once max_model_len allows", "[multimodal]") {
  // Before v0.17 a tie goes to the image: the largest image, 3584^2 px / 14^2 / 2^2 tokens.
  const MultimodalProfile image = profile(request("Qwen/Qwen2.5-VL-7B-Instruct", "0.16.0", 32768));
  CHECK(image.modality == "image");
  CHECK(image.tokens_per_item == 16384);
  CHECK(image.output_bytes == 16384.0 * 3584 * 2);
  // Counted beside one image, a video of max_model_len 65536 has 3 steps of 16384 tokens;
  // built alone it has 4: the budget uses 3, the encoder returns 4.
  const MultimodalProfile video = profile(request("Qwen/Qwen2.5-VL-7B-Instruct", "0.16.0", 65536));
  CHECK(video.modality == "video");
  CHECK(video.tokens_per_item == 3 * 16384);
  CHECK(video.items == 1);
  CHECK(video.output_bytes == 4.0 * 16384 * 3584 * 2);
  CHECK(video.pixel_bytes == 4.0 * 16384 * 4 * (3 * 2 * 14 * 14) * 2);
  // From v0.17 ties go to the video, built with 2 steps at 32768.
  const MultimodalProfile tie = profile(request("Qwen/Qwen2.5-VL-7B-Instruct", "0.19.0", 32768));
  CHECK(tie.modality == "video");
  CHECK(tie.tokens_per_item == 16384);
  CHECK(tie.output_bytes == 2.0 * 16384 * 3584 * 2);
  // Qwen2-VL (not 2.5) is the same family; its vision_config names the output width hidden_size.
  const MultimodalProfile qwen2 = profile(request("Qwen/Qwen2-VL-7B-Instruct", "0.16.0", 32768));
  REQUIRE(qwen2.modelled);
  CHECK(qwen2.output_bytes == 16384.0 * 3584 * 2);
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
  SECTION("it adds to the activation peak; skip_mm_profiling (--skip-mm-profiling) removes it") {
    const Json base = {{"model", "google/gemma-3-4b-it"}, {"max_model_len", 8192}, {"max_num_batched_tokens", 8192},
                       {"max_num_seqs", 1024}, {"vllm_version", "0.19.0"}};
    const Json with_pass = testutil::api_estimate(base);
    Json skip_request = base;
    skip_request["skip_mm_profiling"] = true;
    const Json skipped = testutil::api_estimate(skip_request);
    REQUIRE(skipped["ok"] == true);
    CHECK(skipped["settings"]["skip_mm_profiling"] == true);
    // The 32 images' pixels and outputs worked out above.
    const double kept = 32.0 * 3 * 896 * 896 * 2 + 32.0 * 256 * 2560 * 2;
    CHECK(with_pass["activation_gib"].get<double>() - skipped["activation_gib"].get<double>() == Approx(kept / headroom::kGiB));
  }
  SECTION("skip_mm_profiling must be a boolean, and a version that has the flag") {
    const Json not_bool = testutil::api_estimate({{"model", "google/gemma-3-4b-it"}, {"skip_mm_profiling", "yes"}});
    CHECK(not_bool["ok"] == false);
    CHECK(not_bool["error"]["field"] == "skip_mm_profiling");
    const Json too_old = testutil::api_estimate({{"model", "google/gemma-3-4b-it"}, {"skip_mm_profiling", true},
                                                 {"vllm_version", "0.9.2"}});
    CHECK(too_old["ok"] == false);
    CHECK(too_old["error"]["field"] == "skip_mm_profiling");
  }
}
