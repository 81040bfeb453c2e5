// Tests for core/weights: per-rank weight bytes ("Model loading took"), worked out by hand on
// the tiny 2-layer decoder of test_helpers.h, plus parameter counts of real models.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "core/bundled_models.h"
#include "core/model_config.h"
#include "core/quantization.h"
#include "core/weights.h"
#include "test_helpers.h"

using headroom::ModelSpec;
using headroom::parse_model_config;
using headroom::QuantSpec;
using headroom::RankWeights;
using headroom::weights_for_stage;
using testutil::Json;
using testutil::part_bytes;
using testutil::tiny_llama;
using testutil::with;

namespace {

constexpr int kBf16 = 2;

ModelSpec parse(const Json& config) { return parse_model_config(config.dump()); }

RankWeights tiny_rank(int64_t tp, int64_t pp = 1, int64_t stage = 0, const Json& config = tiny_llama()) {
  const ModelSpec m = parse(config);
  return weights_for_stage(m, m.quant, kBf16, tp, pp, stage);
}

}  // namespace

TEST_CASE("tiny decoder, TP 1: every part by hand", "[weights]") {
  const RankWeights w = tiny_rank(1);
  // Vocabulary 1000 padded to a multiple of 64: 1024 rows x hidden 64 x 2 B.
  CHECK(part_bytes(w, "embedding") == 1024 * 64 * 2);  // 131072
  // Per layer: qkv has (4 + 2 + 2) heads x 16 = 128 outputs: 128 x 64 x 2 = 16384;
  // o_proj 64 x 64 x 2 = 8192; so 24576 per layer, two layers.
  CHECK(part_bytes(w, "attention") == 2 * (128 * 64 * 2 + 64 * 64 * 2));  // 49152
  // SwiGLU: gate_up 2 x 256 x 64 x 2 = 65536, down 64 x 256 x 2 = 32768; two layers.
  CHECK(part_bytes(w, "mlp") == 2 * (2 * 256 * 64 * 2 + 64 * 256 * 2));  // 196608
  // Two RMSNorms per layer plus the final norm, 64 x 2 B each.
  CHECK(part_bytes(w, "norms") == (2 * 2 + 1) * 64 * 2);  // 640
  CHECK(part_bytes(w, "lm_head") == 1024 * 64 * 2);       // untied: 131072
  // RoPE cos/sin cache: max_position 4096 x rotary_dim 16 x 2 B.
  CHECK(part_bytes(w, "rope cache") == 4096 * 16 * 2);  // 131072
  CHECK(w.total_bytes() == 639616);
  CHECK(w.first_layer == 0);
  CHECK(w.num_layers == 2);
}

TEST_CASE("tiny decoder, TP 2: heads, MLP and vocabulary split; norms and RoPE replicated", "[weights]") {
  const RankWeights w = tiny_rank(2);
  CHECK(part_bytes(w, "embedding") == 512 * 64 * 2);  // 1024 / 2 rows
  // q: 4/2 = 2 heads x 16 = 32; k and v: 2/2 = 1 head x 16 each: 64 outputs x 64 x 2 = 8192;
  // o_proj: 64 x (2 x 16) x 2 = 4096.
  CHECK(part_bytes(w, "attention") == 2 * (64 * 64 * 2 + 64 * 32 * 2));  // 24576
  // Intermediate 256 / 2 = 128: gate_up 2 x 128 x 64 x 2 = 32768, down 64 x 128 x 2 = 16384.
  CHECK(part_bytes(w, "mlp") == 2 * (2 * 128 * 64 * 2 + 64 * 128 * 2));  // 98304
  CHECK(part_bytes(w, "norms") == 640);
  CHECK(part_bytes(w, "lm_head") == 512 * 64 * 2);
  CHECK(part_bytes(w, "rope cache") == 4096 * 16 * 2);
  CHECK(w.total_bytes() == 385664);
}

TEST_CASE("tiny decoder, TP 4: the 2 KV heads are replicated, not split below one", "[weights]") {
  const RankWeights w = tiny_rank(4);
  // q: 4/4 = 1 head x 16; k and v: max(1, 2/4) = 1 head x 16 each: 48 x 64 x 2 = 6144;
  // o_proj: 64 x 16 x 2 = 2048.
  CHECK(part_bytes(w, "attention") == 2 * (48 * 64 * 2 + 64 * 16 * 2));  // 16384
  CHECK(part_bytes(w, "mlp") == 2 * (2 * 64 * 64 * 2 + 64 * 64 * 2));  // intermediate 64 per rank
  CHECK(part_bytes(w, "embedding") == 256 * 64 * 2);
  CHECK(w.total_bytes() == 32768 + 16384 + 49152 + 640 + 32768 + 131072);  // 262784
}

TEST_CASE("pipeline stages: embedding first, lm_head and final norm last", "[weights]") {
  const RankWeights first = tiny_rank(1, 2, 0), last = tiny_rank(1, 2, 1);
  CHECK(first.num_layers == 1);
  CHECK(last.first_layer == 1);
  CHECK(part_bytes(first, "embedding") == 131072);
  CHECK(part_bytes(first, "lm_head") == 0);
  CHECK(part_bytes(first, "norms") == 2 * 64 * 2);  // one layer's two norms
  CHECK(part_bytes(last, "embedding") == 0);
  CHECK(part_bytes(last, "lm_head") == 131072);
  CHECK(part_bytes(last, "norms") == 3 * 64 * 2);   // one layer's two norms + final norm
  CHECK(part_bytes(first, "attention") == 24576);
  CHECK(part_bytes(last, "attention") == 24576);
}

TEST_CASE("tied embeddings: no lm_head on one stage, a copy on the last stage with PP", "[weights]") {
  const Json tied = with(tiny_llama(), {{"tie_word_embeddings", true}});
  CHECK(part_bytes(tiny_rank(1, 1, 0, tied), "lm_head") == 0);
  CHECK(tiny_rank(1, 1, 0, tied).total_bytes() == 639616 - 131072);
  CHECK(part_bytes(tiny_rank(1, 2, 1, tied), "lm_head") == 131072);
}

TEST_CASE("pp_layer_counts gives the remainder to the stages before the last, as vLLM does", "[weights]") {
  using V = std::vector<int64_t>;
  CHECK(headroom::pp_layer_counts(32, 1) == V{32});
  CHECK(headroom::pp_layer_counts(32, 4) == V{8, 8, 8, 8});
  CHECK(headroom::pp_layer_counts(5, 2) == V{3, 2});            // 5 = 2+2, 1 left for stage -2
  CHECK(headroom::pp_layer_counts(32, 3) == V{11, 11, 10});     // 2 left: stages -2 and -3
  CHECK(headroom::pp_layer_counts(61, 4) == V{15, 15, 16, 15});  // 1 left: stage -2
}

TEST_CASE("GPTQ 4-bit, group 32: packed weights plus fp16 scales per group", "[weights][quantization]") {
  const Json gptq = with(tiny_llama(), {{"quantization_config",
                                         {{"quant_method", "gptq"}, {"bits", 4}, {"group_size", 32}, {"sym", true},
                                          {"desc_act", false}}}});
  const RankWeights w = tiny_rank(1, 1, 0, gptq);
  // A [out x in] matrix: out x in / 2 bytes of int4, plus 2 B x (in / 32 groups) x out of scales.
  //   qkv 128 x 64: 4096 + 2 x 2 x 128 = 4608;   o_proj 64 x 64: 2048 + 2 x 2 x 64 = 2304
  //   gate_up 512 x 64: 16384 + 2 x 2 x 512 = 18432;   down 64 x 256: 8192 + 2 x 8 x 64 = 9216
  CHECK(part_bytes(w, "attention") == 2 * (4608 + 2304));
  CHECK(part_bytes(w, "mlp") == 2 * (18432 + 9216));
  // Embedding, lm_head, norms and RoPE stay bf16.
  CHECK(part_bytes(w, "embedding") == 131072);
  CHECK(part_bytes(w, "lm_head") == 131072);
  CHECK(w.total_bytes() == 3 * 131072 + 2 * 6912 + 2 * 27648 + 640);  // 462976

  SECTION("act-order adds a 4 B g_idx per input row") {
    Json act = gptq;
    act["quantization_config"]["desc_act"] = true;
    const RankWeights a = tiny_rank(1, 1, 0, act);
    // g_idx: 4 x in for qkv (64) and o_proj (64); gate_up (64) and down (256).
    CHECK(part_bytes(a, "attention") - part_bytes(w, "attention") == 2 * (4 * 64 + 4 * 64));
    CHECK(part_bytes(a, "mlp") - part_bytes(w, "mlp") == 2 * (4 * 64 + 4 * 256));
  }
}

TEST_CASE("MoE experts: every rank holds all experts with intermediate / TP", "[weights][moe]") {
  const Json moe = with(tiny_llama(), {{"architectures", {"MixtralForCausalLM"}},
                                       {"model_type", "tiny_moe"},
                                       {"num_local_experts", 4},
                                       {"num_experts_per_tok", 2}});
  // Each expert is SwiGLU with intermediate 256: (2 x 256 + 256) x 64 x 2 B = 98304; 4 experts.
  CHECK(part_bytes(tiny_rank(1, 1, 0, moe), "moe experts") == 2 * 4 * 98304);
  CHECK(part_bytes(tiny_rank(2, 1, 0, moe), "moe experts") == 2 * 4 * 98304 / 2);
  // The router (4 x 64 x 2 B per layer) is replicated and is all that is left of "mlp".
  CHECK(part_bytes(tiny_rank(1, 1, 0, moe), "mlp") == 2 * 4 * 64 * 2);
  CHECK(part_bytes(tiny_rank(2, 1, 0, moe), "mlp") == 2 * 4 * 64 * 2);
}

TEST_CASE("parameter counts of real models match their model cards", "[weights]") {
  auto params = [](const char* name) {
    return headroom::total_parameters(parse_model_config(headroom::find_bundled_model(name).config_json));
  };
  // Exact counts published with the checkpoints (safetensors metadata).
  CHECK(params("meta-llama/Llama-3.1-8B-Instruct") == 8030261248.0);
  CHECK(params("meta-llama/Llama-3.1-70B-Instruct") == 70553706496.0);
  CHECK(params("mistralai/Mixtral-8x7B-v0.1") == 46702792704.0);
  // DeepSeek-V3: 671B without the multi-token-prediction module the vLLM target does not load.
  CHECK(params("deepseek-ai/DeepSeek-V3") == Approx(671e9).epsilon(0.01));
}

TEST_CASE("weights per rank fall as TP grows, for every bundled model where TP is legal", "[weights][invariant]") {
  for (const auto& bm : headroom::bundled_models()) {
    const ModelSpec m = parse_model_config(bm.config_json);
    double previous = 0;
    for (int64_t tp : {1, 2, 4, 8}) {
      if (m.attn.num_heads % tp != 0) break;
      const double bytes = weights_for_stage(m, m.quant, kBf16, tp, 1, 0).total_bytes();
      INFO(bm.name << " TP " << tp);
      CHECK(std::isfinite(bytes));
      CHECK(bytes > 0);
      if (tp > 1) CHECK(bytes < previous);
      previous = bytes;
    }
  }
}
