// Tests for core/kv_cache: page sizes, groups, blocks, logged tokens and maximum concurrency.
// Small cases are worked out by hand; real models are checked against the KV bytes per token
// they are known to need and against numbers vLLM logged (docs/vllm-memory-model.md §6.6).
#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "core/budget.h"
#include "core/bundled_models.h"
#include "core/kv_cache.h"
#include "test_helpers.h"

using headroom::EngineRequest;
using headroom::Estimate;
using headroom::KvLayout;
using headroom::size_kv;
using testutil::Json;
using testutil::tiny_llama;
using testutil::with;

namespace {

// The tiny decoder with a fixed 1 GiB KV budget (--kv-cache-memory), so blocks do not depend
// on the calibrated activation / non-torch / graph terms.
EngineRequest tiny_request(const Json& config = tiny_llama()) {
  EngineRequest r = testutil::request_for(config);
  r.kv_cache_memory_gib = 1.0;
  return r;
}

Estimate bundled(const std::string& name, int64_t tp = 1, const std::string& version = "",
                 std::optional<int64_t> max_model_len = std::nullopt) {
  EngineRequest r = testutil::bundled_request(name);
  r.tensor_parallel_size = tp;
  r.vllm_version = version;
  r.max_model_len = max_model_len;
  return headroom::run_estimate(r);
}

}  // namespace

TEST_CASE("tiny decoder: page, block cost, blocks, tokens and concurrency by hand", "[kv]") {
  EngineRequest r = tiny_request();
  r.max_model_len = 1000;
  const Estimate e = headroom::run_estimate(r);
  const KvLayout& kv = e.rank().kv;
  // One layer, one token: 2 KV heads x (16 + 16) x 2 B = 128 B. Two layers: 256 B per token.
  CHECK(kv.bytes_per_token == 256);
  CHECK(kv.block_size == 16);
  CHECK(kv.page_bytes == 16 * 128);  // 2048
  CHECK(kv.group_size == 2);
  REQUIRE(kv.groups.size() == 1);
  CHECK(kv.block_cost_bytes == 2 * 2048);  // both layers' pages share a block number
  // 1 GiB / 4096 B = 262144 blocks; one request of 1000 tokens needs cdiv(1000, 16) = 63.
  CHECK(e.kv.num_blocks == 262144);
  CHECK(e.kv.blocks_per_request == 63);
  CHECK(e.kv.max_concurrency == Approx(262144.0 / 63));  // 4161.016x
  // v0.21 logs int(concurrency x max_model_len) tokens.
  CHECK(e.kv.tokens_logged == 4161015);  // int(4161.016 x 1000)
  CHECK(e.kv.one_request_fits);

  SECTION("v0.19 logs num_blocks // groups x block size") {
    r.vllm_version = "0.19.0";
    const Estimate old = headroom::run_estimate(r);
    CHECK(old.kv.tokens_logged == 262144 * 16);
    CHECK(old.kv.max_concurrency == Approx(262144.0 / 63));
  }
  SECTION("v0.9.0 logs blocks x block size, and concurrency = tokens / max_model_len") {
    r.vllm_version = "0.9.0";
    const Estimate old = headroom::run_estimate(r);
    CHECK(old.kv.tokens_logged == 262144 * 16);
    CHECK(old.kv.max_concurrency == Approx(262144.0 * 16 / 1000));  // 4194.30x
  }
}

TEST_CASE("tiny decoder: KV heads split over TP, replicated when fewer than TP", "[kv]") {
  EngineRequest r = tiny_request();
  r.tensor_parallel_size = 2;
  const Estimate tp2 = headroom::run_estimate(r);
  // 2 KV heads / TP 2 = 1 per rank: 1 x 32 x 2 B = 64 B per layer per token.
  CHECK(tp2.rank().kv.bytes_per_token == 128);
  CHECK(tp2.rank().kv.block_cost_bytes == 2 * 16 * 64);
  CHECK(tp2.kv.num_blocks == 524288);  // 1 GiB / 2048 B

  r.tensor_parallel_size = 4;
  const Estimate tp4 = headroom::run_estimate(r);
  // max(1, 2 / 4) = 1 head per rank: the same page as TP 2, not half of it.
  CHECK(tp4.rank().kv.bytes_per_token == 128);
  CHECK(tp4.kv.num_blocks == 524288);
}

TEST_CASE("tiny decoder: an fp8 KV cache halves the page and doubles the blocks", "[kv]") {
  EngineRequest r = tiny_request();
  r.kv_cache_dtype = "fp8";
  const Estimate e = headroom::run_estimate(r);
  CHECK(e.settings.kv_bytes == 1);
  CHECK(e.rank().kv.bytes_per_token == 128);  // 2 layers x 2 heads x 32 x 1 B
  CHECK(e.kv.num_blocks == 2 * 262144);
}

TEST_CASE("tiny decoder with one sliding-window layer: two groups, window-bounded need", "[kv][hybrid]") {
  const Json swa = with(tiny_llama(), {{"sliding_window", 256}, {"layer_types", {"sliding_attention", "full_attention"}}});
  EngineRequest r = tiny_request(swa);
  r.max_model_len = 4096;
  r.max_num_batched_tokens = 2048;
  const Estimate e = headroom::run_estimate(r);
  const KvLayout& kv = e.rank().kv;
  // One layer of each type: group_size 1, two groups, each block number costs one page.
  REQUIRE(kv.groups.size() == 2);
  CHECK(kv.group_size == 1);
  CHECK(kv.page_bytes == 2048);
  CHECK(kv.block_cost_bytes == 2048);
  CHECK(e.kv.num_blocks == 524288);  // 1 GiB / 2048 B
  // Full layer: cdiv(4096, 16) = 256 blocks. Sliding layer (window 256, T 2048):
  // cdiv(min(256 - 1 + 2048, 4096), 16) + 1 = cdiv(2303, 16) + 1 = 144 + 1 = 145.
  CHECK(e.kv.blocks_per_request == 256 + 145);
  CHECK(e.kv.max_concurrency == Approx(524288.0 / 401));

  SECTION("before v0.9.1 the sliding layer is treated as full attention: one group") {
    r.vllm_version = "0.9.0";
    const Estimate old = headroom::run_estimate(r);
    REQUIRE(old.rank().kv.groups.size() == 1);
    CHECK(old.rank().kv.block_cost_bytes == 4096);
    CHECK(old.kv.num_blocks == 262144);
  }
}

TEST_CASE("blocks_for_budget is floor(avail / block cost), zero for no budget", "[kv]") {
  KvLayout kv;
  kv.block_cost_bytes = 4096;
  CHECK(headroom::blocks_for_budget(kv, 4096.0 * 10 + 4095) == 10);
  CHECK(headroom::blocks_for_budget(kv, 0) == 0);
  CHECK(headroom::blocks_for_budget(kv, -1e9) == 0);
}

TEST_CASE("known KV bytes per token of real models", "[kv][known]") {
  SECTION("Llama-3.1-8B bf16: 32 layers x 8 KV heads x (128 + 128) x 2 B = 131072") {
    CHECK(bundled("meta-llama/Llama-3.1-8B-Instruct").rank().kv.bytes_per_token == 131072);
    CHECK(bundled("meta-llama/Llama-3.1-8B-Instruct", 2).rank().kv.bytes_per_token == 131072 / 2);
    CHECK(bundled("meta-llama/Llama-3.1-8B-Instruct", 8).rank().kv.bytes_per_token == 131072 / 8);
    const Json j = testutil::api_estimate({{"model", "meta-llama/Llama-3.1-8B-Instruct"}, {"gpu", "H100"}});
    CHECK(j["kv"]["bytes_per_token"] == 131072);
  }
  SECTION("Qwen3-8B: 36 layers x 8 KV heads x 256 x 2 B = 147456") {
    CHECK(bundled("Qwen/Qwen3-8B").rank().kv.bytes_per_token == 36 * 8 * 256 * 2);
  }
  SECTION("DeepSeek-V3 MLA: 61 layers x 576 x 2 B, the same on every TP rank") {
    for (int64_t tp : {1, 8}) {
      const Estimate e = bundled("deepseek-ai/DeepSeek-V3", tp);
      INFO("TP " << tp);
      CHECK(e.rank().kv.bytes_per_token == 61 * 576 * 2);  // 70272
      CHECK(e.rank().kv.block_cost_bytes == 61.0 * 1152 * e.rank().kv.block_size);
    }
  }
  SECTION("DeepSeek-V3.2: MLA latent plus the 132 B lightning-indexer key per layer") {
    CHECK(bundled("deepseek-ai/DeepSeek-V3.2").rank().kv.bytes_per_token == 61 * (1152 + 132));
  }
}

TEST_CASE("MLA block size follows the attention backend vLLM picks", "[kv][mla]") {
  auto block = [](const std::string& model, const std::string& gpu, const std::string& version) {
    EngineRequest r = testutil::bundled_request(model, gpu);
    r.vllm_version = version;
    r.tensor_parallel_size = 8;
    return headroom::run_estimate(r).rank().kv.block_size;
  };
  CHECK(block("deepseek-ai/DeepSeek-V3", "H100", "0.21.0") == 16);    // FlashAttention-MLA on Hopper
  CHECK(block("deepseek-ai/DeepSeek-V3", "H100", "0.10.0") == 64);    // FlashMLA before v0.11
  CHECK(block("deepseek-ai/DeepSeek-V3", "B200", "0.21.0") == 32);    // FlashInfer-MLA on Blackwell
  CHECK(block("deepseek-ai/DeepSeek-V3", "A100", "0.21.0") == 16);    // Triton-MLA
  CHECK(block("deepseek-ai/DeepSeek-V3.2", "H100", "0.21.0") == 64);  // FlashMLA-sparse
  CHECK(block("meta-llama/Llama-3.1-8B-Instruct", "B200", "0.21.0") == 16);
}

TEST_CASE("logged numbers of real runs are reproduced from their block counts", "[kv][known]") {
  SECTION("DeepSeek-V2-Lite, v0.19 on H100: 94,097 blocks of 16 -> 1,505,552 tokens, 183.78x") {
    const Estimate e = bundled("deepseek-ai/DeepSeek-V2-Lite", 1, "0.19.0", 8192);
    CHECK(e.rank().kv.block_size == 16);  // tokens / blocks in that log: 1505552 / 94097 = 16
    CHECK(e.rank().kv.block_cost_bytes == 27.0 * 576 * 2 * 16);
    const auto k = size_kv(e.rank().kv, e.settings, 94097);
    CHECK(k.tokens_logged == 1505552);
    CHECK(k.max_concurrency == Approx(183.78).margin(0.005));
  }
  SECTION("Llama-3.1-8B, v0.19, L 8192: 29,751 blocks -> 476,016 tokens, 58.11x") {
    const Estimate e = bundled("meta-llama/Llama-3.1-8B-Instruct", 1, "0.19.0", 8192);
    const auto k = size_kv(e.rank().kv, e.settings, 29751);
    CHECK(k.tokens_logged == 476016);
    CHECK(k.max_concurrency == Approx(58.107).margin(0.001));
  }
  SECTION("gpt-oss-20b TP 2, v0.19: 2 groups x 12 layers, 16 KiB pages; 323,972 blocks") {
    const Estimate e = bundled("openai/gpt-oss-20b", 2, "0.19.0", 8192);
    const KvLayout& kv = e.rank().kv;
    REQUIRE(kv.groups.size() == 2);
    CHECK(kv.group_size == 12);
    CHECK(kv.page_bytes == 16 * 1024);  // 16 tokens x 4 KV heads x (64 + 64) x 2 B
    const auto k = size_kv(kv, e.settings, 323972);
    CHECK(k.tokens_logged == 323972 / 2 * 16);  // 2,591,776
    // Full layers need cdiv(8192, 16) = 512 blocks, window-128 layers 513.
    CHECK(k.blocks_per_request == 512 + 513);
    CHECK(k.max_concurrency == Approx(316.07).margin(0.005));
  }
  SECTION("a Gemma-3-12b-shaped text model, v0.19: 6 groups of 8; 48,867 blocks") {
    // gemma-3-12b's text_config: 48 layers, every 6th global, sliding window 1024.
    const Json gemma12b = {{"architectures", {"Gemma3ForConditionalGeneration"}},
                           {"model_type", "gemma3"},
                           {"torch_dtype", "bfloat16"},
                           {"text_config",
                            {{"model_type", "gemma3_text"}, {"hidden_size", 3840}, {"intermediate_size", 15360},
                             {"num_hidden_layers", 48}, {"num_attention_heads", 16}, {"num_key_value_heads", 8},
                             {"head_dim", 256}, {"sliding_window", 1024}}}};
    EngineRequest r = testutil::request_for(gemma12b);
    r.vllm_version = "0.19.0";
    r.max_model_len = 8192;
    const Estimate e = headroom::run_estimate(r);
    const KvLayout& kv = e.rank().kv;
    CHECK(kv.groups.size() == 6);  // 40 sliding layers in 5 groups of 8, 8 global in 1
    CHECK(kv.group_size == 8);
    const auto k = size_kv(kv, e.settings, 48867);
    CHECK(k.tokens_logged == 48867 / 6 * 16);  // 130,304
    CHECK(k.blocks_per_request == 512 + 5 * 513);
    CHECK(k.max_concurrency == Approx(15.88).margin(0.005));
  }
  SECTION("gemma-3-27b-it: 10 global and 52 sliding layers -> 7 groups of 10 (8 padding layers)") {
    const Estimate e = bundled("google/gemma-3-27b-it", 1, "0.19.0", 8192);
    const KvLayout& kv = e.rank().kv;
    CHECK(kv.group_size == 10);
    CHECK(kv.groups.size() == 7);
    CHECK(kv.page_bytes == 16 * 16 * 256 * 2);  // 16 tokens x 16 KV heads x (128 + 128) x 2 B
    CHECK(e.kv.blocks_per_request == 512 + 6 * 513);
  }
  SECTION("Qwen3.5-35B-A3B, v0.18: fp32 SSM state raises the block to 1056 tokens, 4 groups of 10") {
    const Estimate e = bundled("Qwen/Qwen3.5-35B-A3B", 1, "0.18.0", 8192);
    const KvLayout& kv = e.rank().kv;
    // Gated DeltaNet state per layer: conv (2 x 16 x 128 + 32 x 128) x (4 - 1) x 2 B = 49152,
    // ssm 32 x 128 x 128 x 4 B = 2097152; total 2146304 B. Attention: 2 KV heads x 512 x 2 B =
    // 2048 B per token, 32768 B per 16 tokens; cdiv(2146304, 32768) = 66 -> 66 x 16 = 1056 tokens.
    CHECK(kv.block_size == 1056);
    CHECK(kv.groups.size() == 4);
    CHECK(kv.group_size == 10);
    const auto k = size_kv(kv, e.settings, 10000);
    CHECK(k.blocks_per_request == 8 + 3);  // cdiv(8192, 1056) = 8 attention blocks + 1 per state group
    CHECK(k.tokens_logged == 10000 / 4 * 1056);
  }
}

TEST_CASE("kv cache GiB in the JSON is the budget the blocks were cut from", "[kv]") {
  const Json j = testutil::api_estimate({{"config", tiny_llama().dump()}, {"gpu", "H100"}, {"kv_cache_memory_gib", 1}});
  REQUIRE(j["ok"] == true);
  CHECK(j["kv_cache_gib"].get<double>() == Approx(1.0));
  CHECK(j["num_gpu_blocks"] == 262144);
  CHECK(j["num_gpu_blocks"].get<double>() * j["kv"]["block_cost_bytes"].get<double>() <= 1.0 * testutil::kGiB);
}

TEST_CASE("DeepSeek-V3.2 with an fp8 KV cache: the layout follows the sparse-MLA backend", "[kv]") {
  // Per layer and token: the latent (512 + 64) and the lightning indexer's keys (128 + 4).
  auto per_layer_token = [](const std::string& gpu, const std::string& version) {
    EngineRequest r = testutil::bundled_request("deepseek-ai/DeepSeek-V3.2", gpu);
    r.tensor_parallel_size = 8;
    r.kv_cache_dtype = "fp8_e4m3";
    r.vllm_version = version;
    const Estimate e = headroom::run_estimate(r);
    return e.rank().kv.bytes_per_token / 61;  // its 61 layers, each with a latent and an indexer
  };
  // Hopper has only FlashMLA-sparse: DeepSeek's fp8_ds_mla layout, 656 B.
  CHECK(per_layer_token("H200", "0.18.0") == 656 + 132);
  // Blackwell from v0.18 prefers FlashInfer's sparse MLA for an fp8 cache: plain fp8, 576 B
  // (a logged B200 start-up: 708 B per token and layer).
  CHECK(per_layer_token("B200", "0.18.0") == 576 + 132);
  CHECK(per_layer_token("B200", "0.17.0") == 656 + 132);
  // FlashInfer's sparse MLA runs on compute capability 10.x only: the 12.x cards keep FlashMLA's.
  CHECK(per_layer_token("RTX PRO 6000", "0.18.0") == 656 + 132);
}
