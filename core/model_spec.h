#pragma once
// ModelSpec: what a HuggingFace config.json says about the shapes vLLM allocates, normalised
// across architectures. Produced by parse_model_config (model_config.h); consumed by the
// weights, KV-cache, activation and CUDA-graph models.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/quantization.h"

namespace headroom {

// The token mixer of one decoder layer, as vLLM's KV-cache manager sees it.
enum class Mixer {
  kFullAttention,
  kSlidingAttention,   // sliding window of ModelSpec::sliding_window tokens
  kChunkedAttention,   // Llama-4 chunked local attention (attention_chunk_size)
  kMla,                // DeepSeek multi-head latent attention
  kMamba2,             // Mamba2 (NemotronH, ...)
  kGatedDeltaNet,      // linear attention of Qwen3-Next / Qwen3.5
  kShortConv,          // LFM2 short convolution
  kNone,               // FFN-only layer (NemotronH "E"/"-" layers)
};

enum class Ffn { kDense, kMoe, kNone };

struct LayerSpec {
  Mixer mixer = Mixer::kFullAttention;
  Ffn ffn = Ffn::kDense;
  // Per-layer overrides for models whose layers differ (Nemotron-NAS); 0 = the model's value.
  int64_t intermediate_size = 0;
  int64_t num_kv_heads = 0;
  bool linear_replacement = false;  // attention replaced by one hidden x hidden linear layer
};

struct AttentionShape {
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;     // key head size
  int64_t head_dim_v = 0;   // value head size (== head_dim almost always)
  bool qkv_bias = false;
  bool o_bias = false;
  bool qk_norm = false;     // per-head q/k RMSNorm (Qwen3, Gemma3, ...)
  bool output_gate = false; // Qwen3.5 gated attention: q_proj is twice as wide
  int64_t rotary_dim = 0;   // 0: no rotary cache
};

struct MlaShape {
  int64_t q_lora_rank = 0;  // 0: plain q_proj
  int64_t kv_lora_rank = 0;
  int64_t qk_nope_head_dim = 0;
  int64_t qk_rope_head_dim = 0;
  int64_t v_head_dim = 0;
  // DeepSeek-V3.2 sparse attention: a lightning indexer with its own KV layer.
  int64_t index_n_heads = 0;
  int64_t index_head_dim = 0;
};

struct MoeShape {
  int64_t num_experts = 0;
  int64_t experts_per_token = 0;
  int64_t intermediate_size = 0;         // per routed expert
  int64_t shared_intermediate_size = 0;  // all shared experts together (0: none)
  bool shared_expert_gate = false;       // Qwen2-MoE style sigmoid gate on the shared expert
  bool expert_bias = false;              // gpt-oss experts carry biases
};

struct MambaShape {
  // Mamba2
  int64_t num_heads = 0, head_dim = 0, d_state = 0, n_groups = 1, conv_kernel = 4;
  // GatedDeltaNet
  int64_t num_k_heads = 0, k_head_dim = 0, num_v_heads = 0, v_head_dim = 0;
  // ShortConv (LFM2): conv state only
  int64_t conv_dim = 0;
  int ssm_state_bytes = 2;  // fp32 for several models (mamba_ssm_dtype / mamba_ssm_cache_dtype)
};

// Families whose dummy inputs for vLLM's multimodal profile pass are known (core/multimodal_profile).
enum class VisionFamily { kUnknown, kQwen2Vl, kQwen3Vl, kGemma3, kLlama4 };

struct VisionShape {
  int64_t params = 0;  // estimated parameter count of the vision tower and projector
  std::string how;     // which fields the estimate used
  // Input geometry, for the profile pass.
  VisionFamily family = VisionFamily::kUnknown;
  int64_t patch_size = 14, temporal_patch = 1, merge = 1, channels = 3;
  int64_t image_size = 0;        // Gemma-3 image, Llama-4 tile (pixels per side)
  int64_t tokens_per_image = 0;  // Gemma-3 mm_tokens_per_image
  double tile_token_ratio = 1;   // Llama-4 pixel_shuffle_ratio squared
  int64_t embed_width = 0;       // width of one encoder output row, all deepstack levels included
};

struct ModelSpec {
  std::string architecture;  // architectures[0]
  std::string model_type;
  std::string text_path;     // "" or "text_config" etc.: where the language model lives

  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t vocab_size = 0;
  int64_t max_position_embeddings = 0;
  int64_t learned_positions = 0;  // GPT-2/OPT style absolute position table rows
  bool gated_mlp = true;          // SwiGLU (3 matrices) vs GELU MLP (2)
  bool mlp_bias = false;
  bool tie_word_embeddings = false;
  bool layernorm_bias = false;    // LayerNorm with bias (GPT-2, OPT) vs RMSNorm

  AttentionShape attn;
  std::optional<MlaShape> mla;
  std::optional<MoeShape> moe;
  std::optional<MambaShape> mamba;
  std::optional<VisionShape> vision;

  std::vector<LayerSpec> layers;
  int64_t sliding_window = 0;
  int64_t attention_chunk_size = 0;

  std::string dtype;  // config torch_dtype/dtype, normalised: bfloat16, float16, float32
  QuantSpec quant;

  std::vector<std::string> notes;  // every assumption the parser made, in words

  int64_t num_layers() const { return static_cast<int64_t>(layers.size()); }
  int64_t layer_intermediate(const LayerSpec& l) const { return l.intermediate_size ? l.intermediate_size : intermediate_size; }
  int64_t layer_kv_heads(const LayerSpec& l) const { return l.num_kv_heads ? l.num_kv_heads : attn.num_kv_heads; }
  bool is_multimodal() const { return vision.has_value(); }
  bool has_mixer(Mixer m) const;
};

const char* mixer_name(Mixer m);

}  // namespace headroom
