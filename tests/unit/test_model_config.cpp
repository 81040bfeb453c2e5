// Tests for core/model_config: what parse_model_config reads from a config.json, checked on
// tiny hand-written configs, and the errors it raises (each must name the JSON path).
#include <catch2/catch.hpp>

#include "core/errors.h"
#include "core/model_config.h"
#include "test_helpers.h"

using headroom::Ffn;
using headroom::Mixer;
using headroom::ModelSpec;
using headroom::parse_model_config;
using headroom::QuantMethod;
using testutil::Json;
using testutil::tiny_llama;
using testutil::with;

namespace {

ModelSpec parse(const Json& config) { return parse_model_config(config.dump()); }

std::string error_field(const Json& config) {
  return testutil::input_error_field([&] { parse(config); });
}
std::string error_field_text(const std::string& text) {
  return testutil::input_error_field([&] { parse_model_config(text); });
}

// A model_type Headroom has no transformers defaults for, so missing fields stay missing.
Json unknown_arch() {
  return with(tiny_llama(), {{"model_type", "tiny_test_arch"}, {"architectures", {"TinyTestForCausalLM"}}});
}

}  // namespace

TEST_CASE("tiny Llama: every shape field read as written", "[model_config]") {
  const ModelSpec m = parse(tiny_llama());
  CHECK(m.architecture == "LlamaForCausalLM");
  CHECK(m.model_type == "llama");
  CHECK(m.hidden_size == 64);
  CHECK(m.intermediate_size == 256);
  CHECK(m.vocab_size == 1000);
  CHECK(m.max_position_embeddings == 4096);
  CHECK(m.attn.num_heads == 4);
  CHECK(m.attn.num_kv_heads == 2);
  CHECK(m.attn.head_dim == 16);    // no head_dim: hidden 64 / 4 heads
  CHECK(m.attn.head_dim_v == 16);
  CHECK(m.attn.rotary_dim == 16);  // full rotary
  CHECK(m.gated_mlp);
  CHECK_FALSE(m.tie_word_embeddings);
  CHECK(m.dtype == "bfloat16");
  CHECK_FALSE(m.quant.quantized());
  REQUIRE(m.num_layers() == 2);
  for (const auto& l : m.layers) {
    CHECK(l.mixer == Mixer::kFullAttention);
    CHECK(l.ffn == Ffn::kDense);
  }
  CHECK_FALSE(m.moe);
  CHECK_FALSE(m.mla);
  CHECK_FALSE(m.is_multimodal());
}

TEST_CASE("head_dim, KV-head fallbacks and dtype spellings", "[model_config]") {
  SECTION("an explicit head_dim wins over hidden / heads") {
    CHECK(parse(with(tiny_llama(), {{"head_dim", 32}})).attn.head_dim == 32);
  }
  SECTION("null head_dim falls back to hidden / heads") {
    CHECK(parse(with(tiny_llama(), {{"head_dim", nullptr}})).attn.head_dim == 16);
  }
  SECTION("no num_key_value_heads: one KV head per query head (MHA)") {
    Json c = tiny_llama();
    c.erase("num_key_value_heads");
    CHECK(parse(c).attn.num_kv_heads == 4);
  }
  SECTION("multi_query without a KV-head count: one KV head (Falcon-7B style)") {
    Json c = with(unknown_arch(), {{"multi_query", true}});
    c.erase("num_key_value_heads");
    CHECK(parse(c).attn.num_kv_heads == 1);
  }
  SECTION("torch.float16 and fp16 are float16; a missing dtype is assumed bfloat16 with a note") {
    CHECK(parse(with(tiny_llama(), {{"torch_dtype", "torch.float16"}})).dtype == "float16");
    CHECK(parse(with(tiny_llama(), {{"torch_dtype", "fp16"}})).dtype == "float16");
    Json c = tiny_llama();
    c.erase("torch_dtype");
    const ModelSpec m = parse(c);
    CHECK(m.dtype == "bfloat16");
    CHECK_FALSE(m.notes.empty());
  }
  SECTION("numbers given as strings are accepted") {
    CHECK(parse(with(tiny_llama(), {{"hidden_size", "64"}})).hidden_size == 64);
  }
  SECTION("tie_word_embeddings is read") {
    CHECK(parse(with(tiny_llama(), {{"tie_word_embeddings", true}})).tie_word_embeddings);
  }
}

TEST_CASE("layer_types and sliding windows", "[model_config]") {
  const ModelSpec m = parse(with(tiny_llama(), {{"sliding_window", 256},
                                                {"layer_types", {"sliding_attention", "full_attention"}}}));
  CHECK(m.sliding_window == 256);
  CHECK(m.layers[0].mixer == Mixer::kSlidingAttention);
  CHECK(m.layers[1].mixer == Mixer::kFullAttention);

  SECTION("Mistral-style sliding_window without layer_types: every layer slides") {
    const ModelSpec u = parse(with(tiny_llama(), {{"sliding_window", 256}}));
    CHECK(u.layers[0].mixer == Mixer::kSlidingAttention);
    CHECK(u.layers[1].mixer == Mixer::kSlidingAttention);
  }
  SECTION("Qwen2 with use_sliding_window false keeps full attention") {
    const ModelSpec q = parse(with(tiny_llama(), {{"model_type", "qwen2"}, {"sliding_window", 256},
                                                  {"use_sliding_window", false}}));
    CHECK(q.layers[0].mixer == Mixer::kFullAttention);
  }
  SECTION("Gemma 3 pattern: every 6th layer is global") {
    Json g = with(tiny_llama(), {{"model_type", "gemma3_text"}, {"num_hidden_layers", 12}, {"sliding_window", 512},
                                 {"sliding_window_pattern", 6}});
    const ModelSpec gm = parse(g);
    for (int i = 0; i < 12; ++i)
      CHECK(gm.layers[static_cast<size_t>(i)].mixer ==
            ((i + 1) % 6 == 0 ? Mixer::kFullAttention : Mixer::kSlidingAttention));
  }
}

TEST_CASE("MoE and MLA fields of a tiny DeepSeek-V3-like config", "[model_config]") {
  const Json c = with(tiny_llama(), {{"architectures", {"DeepseekV3ForCausalLM"}},
                                     {"model_type", "deepseek_v3"},
                                     {"num_hidden_layers", 3},
                                     {"n_routed_experts", 8},
                                     {"num_experts_per_tok", 2},
                                     {"moe_intermediate_size", 32},
                                     {"n_shared_experts", 1},
                                     {"first_k_dense_replace", 1},
                                     {"kv_lora_rank", 32},
                                     {"q_lora_rank", 48},
                                     {"qk_rope_head_dim", 8},
                                     {"qk_nope_head_dim", 16},
                                     {"v_head_dim", 16}});
  const ModelSpec m = parse(c);
  REQUIRE(m.moe);
  CHECK(m.moe->num_experts == 8);
  CHECK(m.moe->experts_per_token == 2);
  CHECK(m.moe->intermediate_size == 32);
  CHECK(m.moe->shared_intermediate_size == 32);  // 1 shared expert x 32
  CHECK(m.layers[0].ffn == Ffn::kDense);         // first_k_dense_replace = 1
  CHECK(m.layers[1].ffn == Ffn::kMoe);
  CHECK(m.layers[2].ffn == Ffn::kMoe);
  REQUIRE(m.mla);
  CHECK(m.mla->kv_lora_rank == 32);
  CHECK(m.mla->qk_rope_head_dim == 8);
  CHECK(m.attn.rotary_dim == 8);
  for (const auto& l : m.layers) CHECK(l.mixer == Mixer::kMla);

  SECTION("more experts per token than experts is refused, naming the field") {
    CHECK(error_field(with(c, {{"num_experts_per_tok", 9}})) == "num_experts_per_tok");
  }
}

TEST_CASE("multimodal: the language model comes from text_config, the vision tower is counted", "[model_config]") {
  const Json c = {{"architectures", {"TinyVLForConditionalGeneration"}},
                  {"model_type", "tiny_vl"},
                  {"torch_dtype", "bfloat16"},
                  {"text_config", with(unknown_arch(), {{"hidden_size", 128}})},
                  {"vision_config", {{"depth", 2}, {"hidden_size", 32}, {"intermediate_size", 64}, {"patch_size", 4}}}};
  const ModelSpec m = parse(c);
  CHECK(m.text_path == "text_config");
  CHECK(m.hidden_size == 128);
  CHECK(m.attn.head_dim == 32);  // 128 / 4 heads
  REQUIRE(m.vision);
  CHECK(m.vision->params > 0);
  CHECK(m.is_multimodal());

  SECTION("Qwen3-VL's learned patch positions and deepstack mergers are part of the tower") {
    // Each deepstack merger maps 2x2 merged patches (4 x 32) to the language model's width.
    Json qwen3 = c;
    qwen3["vision_config"]["spatial_merge_size"] = 2;
    qwen3["vision_config"]["out_hidden_size"] = 128;
    const int64_t plain = parse(qwen3).vision->params;
    qwen3["vision_config"]["num_position_embeddings"] = 100;
    qwen3["vision_config"]["deepstack_visual_indexes"] = {0, 1};
    const int64_t merged = 4 * 32;
    CHECK(parse(qwen3).vision->params - plain == 100 * 32 + 2 * (merged * merged + merged * 128));
  }

  SECTION("errors inside text_config name the nested path") {
    Json bad = c;
    bad["text_config"].erase("hidden_size");
    CHECK(error_field(bad) == "text_config.hidden_size");
  }
}

TEST_CASE("quantization_config is recognised", "[model_config]") {
  auto quant = [](const Json& q) { return parse(with(tiny_llama(), {{"quantization_config", q}})).quant; };
  SECTION("FP8 with 128x128 blocks") {
    auto q = quant({{"quant_method", "fp8"}, {"weight_block_size", {128, 128}}});
    CHECK(q.method == QuantMethod::kFp8Block);
    CHECK(q.group_size == 128);
  }
  SECTION("FP8 per tensor") { CHECK(quant({{"quant_method", "fp8"}}).method == QuantMethod::kFp8PerTensor); }
  SECTION("GPTQ 4-bit, group 32, symmetric") {
    auto q = quant({{"quant_method", "gptq"}, {"bits", 4}, {"group_size", 32}, {"sym", true}});
    CHECK(q.method == QuantMethod::kInt4Group);
    CHECK(q.group_size == 32);
    CHECK_FALSE(q.zero_points);
  }
  SECTION("AWQ has zero points") {
    auto q = quant({{"quant_method", "awq"}, {"bits", 4}, {"group_size", 128}, {"zero_point", true}});
    CHECK(q.method == QuantMethod::kInt4Group);
    CHECK(q.zero_points);
  }
  SECTION("compressed-tensors w4a16") {
    auto q = quant(Json::parse(R"({"quant_method": "compressed-tensors",
        "config_groups": {"group_0": {"weights": {"num_bits": 4, "type": "int", "group_size": 64}}}})"));
    CHECK(q.method == QuantMethod::kInt4Group);
    CHECK(q.group_size == 64);
  }
  SECTION("bitsandbytes 4-bit and MXFP4") {
    CHECK(quant({{"quant_method", "bitsandbytes"}, {"load_in_4bit", true}}).method == QuantMethod::kBnb4);
    CHECK(quant({{"quant_method", "mxfp4"}}).method == QuantMethod::kMxfp4);
  }
  SECTION("modules a checkpoint left unquantized: attention named in exclude_modules or modules_to_not_convert") {
    const Json nvfp4 = {{"quant_method", "modelopt"}, {"quant_algo", "NVFP4"}};
    CHECK(quant(nvfp4).method == QuantMethod::kNvfp4);
    CHECK_FALSE(quant(nvfp4).attention_unquantized);
    CHECK(quant(with(nvfp4, {{"ignore", {"lm_head", "model.layers.0.self_attn*"}}})).attention_unquantized);           // config.json
    CHECK(quant(with(nvfp4, {{"exclude_modules", {"lm_head", "model.layers.0.self_attn*"}}})).attention_unquantized);  // hf_quant_config
    CHECK_FALSE(quant(with(nvfp4, {{"exclude_modules", {"lm_head"}}})).attention_unquantized);
    CHECK(quant({{"quant_method", "fp8"}, {"modules_to_not_convert", {"model.layers.3.self_attn"}}}).attention_unquantized);
  }
  SECTION("an unknown method is an error naming quant_method") {
    CHECK(error_field(with(tiny_llama(), {{"quantization_config", {{"quant_method", "zip9"}}}})) ==
          "quantization_config.quant_method");
  }
}

TEST_CASE("config errors name the JSON path", "[model_config][errors]") {
  CHECK(error_field_text("{not json") == "config");
  CHECK(error_field_text("[1, 2, 3]") == "config");
  CHECK(error_field_text("") == "config");
  CHECK(error_field(Json::object()) == "model_type");

  Json no_hidden = unknown_arch();
  no_hidden.erase("hidden_size");
  CHECK(error_field(no_hidden) == "hidden_size");

  Json no_layers = unknown_arch();
  no_layers.erase("num_hidden_layers");
  CHECK(error_field(no_layers) == "num_hidden_layers");

  CHECK(error_field(with(tiny_llama(), {{"hidden_size", "wide"}})) == "hidden_size");
  CHECK(error_field(with(tiny_llama(), {{"hidden_size", -64}})) == "hidden_size");
  CHECK(error_field(with(tiny_llama(), {{"num_key_value_heads", 8}})) == "num_key_value_heads");  // > 4 heads
  CHECK(error_field(with(tiny_llama(), {{"num_key_value_heads", 3}})) == "num_key_value_heads");  // 4 % 3 != 0
  CHECK(error_field(with(tiny_llama(), {{"torch_dtype", "int3"}})) == "torch_dtype");
  CHECK(error_field(with(tiny_llama(), {{"layer_types", {"full_attention", "warp_attention"}}})) == "layer_types");
  CHECK(error_field(with(tiny_llama(), {{"layer_types", {"full_attention"}}})) == "layer_types");  // 1 entry, 2 layers
}

TEST_CASE("zero-sized head fields are refused, not divided by", "[model_config][errors]") {
  // num_key_value_heads = 0 would be a division by zero further on.
  CHECK(error_field(with(tiny_llama(), {{"num_key_value_heads", 0}})) == "num_key_value_heads");
  CHECK(error_field(with(tiny_llama(), {{"num_attention_heads", 0}})) == "num_attention_heads");
  // head_dim = 0 would give a KV page of zero bytes.
  CHECK(error_field(with(tiny_llama(), {{"head_dim", 0}})) == "head_dim");
}
