#include "core/model_config.h"

#include <algorithm>
#include <cmath>

#include "core/config_defaults.h"
#include "core/errors.h"
#include "core/json_fields.h"

namespace headroom {
namespace {

constexpr int64_t kMaxDim = int64_t{1} << 24;     // no real hidden/intermediate size is this big
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxVocab = int64_t{1} << 24;
constexpr int64_t kMaxExperts = 1 << 16;
constexpr int64_t kMaxPositions = int64_t{1} << 34;

// Where the language model of a multimodal config lives.
constexpr std::string_view kTextKeys[] = {"text_config", "llm_config", "language_config",
                                          "text_model_config"};

std::string normalise_dtype(const std::string& d) {
  std::string s = d;
  if (s.rfind("torch.", 0) == 0) s = s.substr(6);
  if (s == "bf16") return "bfloat16";
  if (s == "fp16" || s == "half") return "float16";
  if (s == "fp32" || s == "float") return "float32";
  return s;
}

// model_types whose layout Headroom has checked (the bundled configs and the special cases
// below). Others are estimated as standard decoders, with a note saying so.
bool is_known_model_type(const std::string& t) {
  static const char* const kKnown[] = {
      "baichuan", "chatglm", "deepseek_v2", "deepseek_v3", "deepseek_v32", "exaone4", "gemma", "gemma2", "gemma3",
      "gemma3_text", "glm4", "glm4_moe", "gpt2", "gpt_bigcode", "gpt_oss", "internlm2", "kimi_k2", "lfm2", "lfm2_vl",
      "llama", "llama4", "llama4_text", "llava", "minicpm3", "ministral3", "mistral", "mistral3", "mixtral", "mllama",
      "mllama_text_model", "nemotron-nas", "nemotron_h", "olmo", "olmo2", "olmo3", "opt", "phi", "phi3", "phi3small",
      "phimoe", "qwen2", "qwen2_5_vl", "qwen2_moe", "qwen2_vl", "qwen3", "qwen3_5_moe", "qwen3_5_moe_text",
      "qwen3_moe", "qwen3_next", "qwen3_vl_moe", "qwen3_vl_moe_text", "starcoder2"};
  return std::any_of(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return t == k; });
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- quantization_config ------------------------------------------------------------------

bool list_mentions(const Json& list, std::string_view needle) {
  if (!list.is_array()) return false;
  for (const auto& m : list)
    if (m.is_string() && contains(m.get<std::string>(), needle)) return true;
  return false;
}

QuantSpec parse_compressed_tensors(const Json& q, const std::string& path) {
  const Json* groups = first_of(q, {"config_groups"});
  if (!groups || !groups->is_object() || groups->empty())
    throw InputError(join_path(path, "config_groups"),
                     join_path(path, "config_groups") + " is missing: cannot tell the scheme");
  const Json& g = groups->begin().value();
  const std::string gpath = join_path(join_path(path, "config_groups"), groups->begin().key());
  const Json* w = first_of(g, {"weights"});
  if (!w || !w->is_object())
    throw InputError(join_path(gpath, "weights"), "missing " + join_path(gpath, "weights"));
  const std::string wpath = join_path(gpath, "weights");
  const int64_t bits = opt_int(*w, "num_bits", wpath, 1, 64).value_or(8);
  const std::string type = opt_string(*w, "type", wpath).value_or("int");
  const std::string strategy = opt_string(*w, "strategy", wpath).value_or("tensor");
  QuantSpec s;
  if (bits == 8 && type == "float") {
    s = quant_from_name(strategy == "channel" ? "fp8_channel" : strategy == "block" ? "fp8_block" : "fp8", path);
    if (strategy == "block") {
      if (const Json* bs = first_of(*w, {"block_structure"}); bs && bs->is_array() && !bs->empty() &&
                                                              (*bs)[0].is_number_integer())
        s.group_size = std::max<int64_t>(1, (*bs)[0].get<int64_t>());
    }
  } else if (bits == 8) {
    s = quant_from_name("int8", path);
  } else if (bits == 4 && type == "float") {
    s = quant_from_name("nvfp4", path);
  } else if (bits == 4) {
    s = quant_from_name("w4a16", path);
    s.group_size = opt_int(*w, "group_size", wpath, 1, kMaxDim).value_or(128);
    s.zero_points = !opt_bool(*w, "symmetric", wpath).value_or(true);
    auto actorder = opt_string(*w, "actorder", wpath);
    s.act_order = actorder && *actorder == "group";
  } else {
    throw InputError(join_path(wpath, "num_bits"),
                     join_path(wpath, "num_bits") + " = " + std::to_string(bits) +
                         " is not a compressed-tensors scheme Headroom knows (4 or 8 bits)");
  }
  s.name = "compressed-tensors (" + std::string(bits == 8 ? (type == "float" ? "fp8" : "int8")
                                                          : (type == "float" ? "nvfp4" : "w4a16")) + ")";
  s.attention_unquantized = list_mentions(q.value("ignore", Json::array()), "self_attn");
  return s;
}

QuantSpec parse_quantization_config(const Json& q, const std::string& path) {
  if (!q.is_object()) throw InputError(path, path + " must be an object");
  std::string method = opt_string(q, "quant_method", path).value_or("");
  if (method.empty()) {
    // ModelOpt hf_quant_config style: {"quantization": {"quant_algo": "FP8"}}
    if (auto algo = opt_string(q, "quant_algo", path)) method = *algo == "NVFP4" ? "nvfp4" : "fp8";
    else throw InputError(join_path(path, "quant_method"), "missing " + join_path(path, "quant_method"));
  }
  const std::string mpath = join_path(path, "quant_method");
  QuantSpec s;
  if (method == "compressed-tensors" || method == "compressed_tensors") {
    s = parse_compressed_tensors(q, path);
  } else if (method == "fp8") {
    const Json* block = first_of(q, {"weight_block_size"});
    if (block && block->is_array() && block->size() == 2 && (*block)[0].is_number_integer()) {
      s = quant_from_name("fp8_block", mpath);
      s.group_size = std::max<int64_t>(1, (*block)[0].get<int64_t>());
      s.name = "fp8 (block " + std::to_string(s.group_size) + "x" + std::to_string(s.group_size) + ")";
    } else {
      s = quant_from_name("fp8", mpath);
    }
  } else if (method == "modelopt") {
    const std::string algo = opt_string(q, "quant_algo", path).value_or("FP8");
    s = quant_from_name(algo == "NVFP4" ? "nvfp4" : "fp8", mpath);
    s.name = "modelopt " + algo;
    auto kv = opt_string(q, "kv_cache_quant_algo", path);
    s.kv_fp8_from_checkpoint = kv && *kv == "FP8";
  } else if (method == "gptq" || method == "awq" || method == "auto-round" || method == "gptq_marlin" ||
             method == "awq_marlin") {
    s = quant_from_name(method, mpath);
    const int64_t bits = opt_int(q, "bits", path, 2, 8).value_or(4);
    s.bits = static_cast<int>(bits);
    if (bits != 4 && bits != 8)
      throw InputError(join_path(path, "bits"), join_path(path, "bits") + " must be 4 or 8");
    if (bits == 8) s.method = QuantMethod::kInt8;  // 8-bit GPTQ: 1 B + scales, close enough
    s.group_size = opt_int(q, "group_size", path, -1, kMaxDim).value_or(128);
    if (s.group_size <= 0) s.group_size = int64_t{1} << 30;  // -1: one group per column
    if (method.rfind("gptq", 0) == 0) {
      s.zero_points = !opt_bool(q, "sym", path).value_or(true);
      s.act_order = opt_bool(q, "desc_act", path).value_or(false);
    } else {
      s.zero_points = opt_bool(q, "zero_point", path).value_or(true);
    }
  } else if (method == "bitsandbytes") {
    if (opt_bool(q, "load_in_8bit", path).value_or(false)) s = quant_from_name("int8", mpath);
    else {
      s = quant_from_name("bitsandbytes", mpath);
      s.double_quant = opt_bool(q, "bnb_4bit_use_double_quant", path).value_or(false);
    }
  } else if (method == "mxfp4") {
    s = quant_from_name("mxfp4", mpath);
    // gpt-oss keeps attention, router and embeddings in bf16; only experts are MXFP4.
    s.experts_only = list_mentions(q.value("modules_to_not_convert", Json::array()), "self_attn");
  } else {
    s = quant_from_name(method, mpath);  // throws for unknown names, naming quant_method
  }
  // Modules the checkpoint left in the model dtype: modules_to_not_convert (transformers'
  // quantizers), ignore (ModelOpt's config.json, as compressed-tensors) and exclude_modules
  // (ModelOpt's older hf_quant_config.json). NVIDIA's DeepSeek NVFP4 recipe keeps every MLA
  // projection in bf16: Model Optimizer's examples/deepseek/ptq.py disables "*attn*".
  for (const char* key : {"modules_to_not_convert", "ignore", "exclude_modules"})
    if (list_mentions(q.value(key, Json::array()), "self_attn")) s.attention_unquantized = true;
  return s;
}

// ---- the language model ---------------------------------------------------------------------

struct Reader {
  const Json& j;
  std::string path;
  std::optional<int64_t> opt(std::initializer_list<std::string_view> keys, int64_t min = 0,
                             int64_t max = kMaxDim) const {
    for (auto k : keys)
      if (auto v = opt_int(j, k, path, min, max)) return v;
    return std::nullopt;
  }
  int64_t req(std::initializer_list<std::string_view> keys, int64_t min = 1, int64_t max = kMaxDim) const {
    if (auto v = opt(keys, min, max)) return *v;
    throw InputError(join_path(path, *keys.begin()), "missing required field " + join_path(path, *keys.begin()));
  }
};

// Layer pattern of hybrid and interleaved models.
// The fill_* steps below are kept out of line ([[gnu::noinline]]): inlined, they made
// parse_model_config one 41 KB wasm function, and a browser compiles each wasm function at its
// first call with a baseline compiler whose time grows faster than the function's size (15 ms
// for that one on the benchmark machine, 6-7 ms at 23 KB). docs/performance.md.
[[gnu::noinline]] void fill_layers(ModelSpec& m, const Reader& r, int64_t n_layers) {
  m.layers.assign(static_cast<size_t>(n_layers), LayerSpec{});
  const std::string lt_path = join_path(r.path, "layer_types");

  // NemotronH: one character per layer. M = Mamba2, * = attention, E = MoE FFN, - = MLP.
  if (auto pat = opt_string(r.j, "hybrid_override_pattern", r.path)) {
    if (static_cast<int64_t>(pat->size()) != n_layers)
      throw InputError(join_path(r.path, "hybrid_override_pattern"),
                       join_path(r.path, "hybrid_override_pattern") + " has " + std::to_string(pat->size()) +
                           " entries but num_hidden_layers is " + std::to_string(n_layers));
    for (size_t i = 0; i < pat->size(); ++i) {
      char c = (*pat)[i];
      LayerSpec& l = m.layers[i];
      switch (c) {
        case 'M': l = {Mixer::kMamba2, Ffn::kNone}; break;
        case '*': l = {Mixer::kFullAttention, Ffn::kNone}; break;
        case 'E': l = {Mixer::kNone, Ffn::kMoe}; break;
        case '-': l = {Mixer::kNone, Ffn::kDense}; break;
        default:
          throw InputError(join_path(r.path, "hybrid_override_pattern"),
                           join_path(r.path, "hybrid_override_pattern") + ": unknown layer code '" +
                               std::string(1, c) + "' (known: M * E -)");
      }
    }
    return;
  }

  const Json* types = first_of(r.j, {"layer_types", "layers_block_type"});
  if (types && types->is_array()) {
    if (static_cast<int64_t>(types->size()) < n_layers)
      throw InputError(lt_path, lt_path + " has " + std::to_string(types->size()) +
                                    " entries but num_hidden_layers is " + std::to_string(n_layers));
    for (int64_t i = 0; i < n_layers; ++i) {
      const Json& t = (*types)[static_cast<size_t>(i)];
      if (!t.is_string()) throw InputError(lt_path, lt_path + " must be a list of strings");
      const std::string s = t.get<std::string>();
      Mixer mix;
      if (s == "full_attention" || s == "attention" || s == "global") mix = Mixer::kFullAttention;
      else if (s == "sliding_attention" || s == "sliding_window" || s == "local") mix = Mixer::kSlidingAttention;
      else if (s == "chunked_attention") mix = Mixer::kChunkedAttention;
      else if (s == "linear_attention") mix = Mixer::kGatedDeltaNet;
      else if (s == "mamba" || s == "mamba2") mix = Mixer::kMamba2;
      else if (s == "conv") mix = Mixer::kShortConv;
      else
        throw InputError(lt_path, lt_path + "[" + std::to_string(i) + "] = \"" + s +
                                      "\" is a layer type Headroom does not know");
      m.layers[static_cast<size_t>(i)].mixer = mix;
    }
    return;
  }

  // Gemma 2: alternate sliding / global, starting with sliding.
  if (m.model_type == "gemma2" && m.sliding_window > 0) {
    for (int64_t i = 0; i < n_layers; ++i)
      m.layers[static_cast<size_t>(i)].mixer = (i % 2 == 0) ? Mixer::kSlidingAttention : Mixer::kFullAttention;
    m.notes.push_back("Gemma 2: even layers use the sliding window, odd layers full attention");
    return;
  }
  // Gemma 3 without layer_types: every sliding_window_pattern-th layer is global.
  if (auto pattern = r.opt({"sliding_window_pattern"}, 1, kMaxLayers);
      pattern && m.sliding_window > 0 && m.model_type.rfind("gemma3", 0) == 0) {
    for (int64_t i = 0; i < n_layers; ++i)
      m.layers[static_cast<size_t>(i)].mixer =
          ((i + 1) % *pattern == 0) ? Mixer::kFullAttention : Mixer::kSlidingAttention;
    return;
  }
  // Llama 4: chunked local attention except every 4th (NoPE) layer.
  if (m.attention_chunk_size > 0) {
    for (int64_t i = 0; i < n_layers; ++i)
      m.layers[static_cast<size_t>(i)].mixer = ((i + 1) % 4 == 0) ? Mixer::kFullAttention : Mixer::kChunkedAttention;
    return;
  }
  // Mistral-style uniform sliding window (use_sliding_window false on Qwen2 disables it).
  if (m.sliding_window > 0 && opt_bool(r.j, "use_sliding_window", r.path).value_or(true)) {
    const int64_t max_window_layers = r.opt({"max_window_layers"}, 0, kMaxLayers).value_or(0);
    for (int64_t i = 0; i < n_layers; ++i)
      if (m.model_type != "qwen2" || i >= max_window_layers)
        m.layers[static_cast<size_t>(i)].mixer = Mixer::kSlidingAttention;
  }
}

// Nemotron-NAS (DeciLM): every layer has its own attention (grouped heads, no-op, or a linear
// stand-in) and its own FFN width, given as a multiplier of the hidden size.
[[gnu::noinline]] void fill_block_configs(ModelSpec& m, const Reader& r) {
  const Json* blocks = first_of(r.j, {"block_configs"});
  if (!blocks) return;
  const std::string path = join_path(r.path, "block_configs");
  if (!blocks->is_array() || static_cast<int64_t>(blocks->size()) != m.num_layers())
    throw InputError(path, path + " must list one block per layer (" + std::to_string(m.num_layers()) + ")");
  for (size_t i = 0; i < blocks->size(); ++i) {
    const Json& b = (*blocks)[i];
    const std::string bpath = path + "[" + std::to_string(i) + "]";
    LayerSpec& l = m.layers[i];
    const Json attn = b.is_object() ? b.value("attention", Json::object()) : Json::object();
    const Json ffn = b.is_object() ? b.value("ffn", Json::object()) : Json::object();
    if (opt_bool(attn, "no_op", bpath + ".attention").value_or(false)) l.mixer = Mixer::kNone;
    else if (opt_bool(attn, "replace_with_linear", bpath + ".attention").value_or(false)) {
      l.mixer = Mixer::kNone;
      l.linear_replacement = true;
    } else {
      const int64_t group = opt_int(attn, "n_heads_in_group", bpath + ".attention", 1, 4096).value_or(1);
      if (m.attn.num_heads % group != 0)
        throw InputError(bpath + ".attention.n_heads_in_group", bpath + ".attention.n_heads_in_group does not divide the heads");
      l.num_kv_heads = m.attn.num_heads / group;
    }
    if (opt_bool(ffn, "no_op", bpath + ".ffn").value_or(false)) l.ffn = Ffn::kNone;
    else if (auto mult = opt_double(ffn, "ffn_mult", bpath + ".ffn", 0.0, 1000.0)) {
      const int64_t raw = static_cast<int64_t>(2.0 * *mult * static_cast<double>(m.hidden_size) / 3.0);
      l.intermediate_size = (raw + 255) / 256 * 256;  // rounded up to a multiple of 256
    }
  }
  int64_t widest = 0;
  for (const auto& l : m.layers) widest = std::max(widest, l.intermediate_size);
  m.intermediate_size = std::max<int64_t>(widest, 1);
  m.notes.push_back("Nemotron-NAS: per-layer attention and FFN widths read from block_configs");
}

[[gnu::noinline]] void fill_moe(ModelSpec& m, const Reader& r) {
  auto experts = r.opt({"n_routed_experts", "num_local_experts", "num_experts", "moe_num_experts"}, 0, kMaxExperts);
  if (!experts || *experts <= 1) {
    // A layer pattern with MoE layers (NemotronH 'E') cannot be sized without the expert count.
    if (std::any_of(m.layers.begin(), m.layers.end(), [](const LayerSpec& l) { return l.ffn == Ffn::kMoe; }))
      throw InputError(join_path(r.path, "n_routed_experts"),
                       join_path(r.path, "n_routed_experts") + " is missing (or below 2) but the layer pattern has MoE layers");
    return;
  }
  MoeShape moe;
  moe.num_experts = *experts;
  moe.experts_per_token = r.opt({"num_experts_per_tok", "experts_per_token", "moe_topk", "top_k"}, 1, kMaxExperts).value_or(2);
  moe.intermediate_size = r.opt({"moe_intermediate_size", "expert_intermediate_size"}).value_or(m.intermediate_size);
  if (m.model_type.rfind("llama4", 0) == 0) moe.intermediate_size = m.intermediate_size;
  if (auto shared = r.opt({"shared_expert_intermediate_size", "moe_shared_expert_intermediate_size"})) {
    moe.shared_intermediate_size = *shared;
  } else if (auto n_shared = r.opt({"n_shared_experts", "num_shared_experts"}, 0, 64); n_shared && *n_shared > 0) {
    moe.shared_intermediate_size = *n_shared * moe.intermediate_size;
  } else if (m.model_type.rfind("llama4", 0) == 0) {
    moe.shared_intermediate_size = m.intermediate_size;  // one shared expert of the expert width
  }
  moe.shared_expert_gate = m.model_type == "qwen2_moe";
  moe.expert_bias = m.model_type == "gpt_oss";
  if (moe.experts_per_token > moe.num_experts)
    throw InputError(join_path(r.path, "num_experts_per_tok"),
                     join_path(r.path, "num_experts_per_tok") + " exceeds the number of experts");
  m.moe = moe;

  // Which layers are MoE: dense-first layers, sparse steps, explicit lists.
  const int64_t n = m.num_layers();
  const int64_t first_dense = r.opt({"first_k_dense_replace"}, 0, kMaxLayers).value_or(0);
  const int64_t step = r.opt({"decoder_sparse_step", "moe_layer_freq", "interleave_moe_layer_step"}, 0, kMaxLayers).value_or(1);
  std::vector<int64_t> mlp_only;
  if (const Json* l = first_of(r.j, {"mlp_only_layers"}); l && l->is_array())
    for (const auto& v : *l)
      if (v.is_number_integer()) mlp_only.push_back(v.get<int64_t>());
  for (int64_t i = 0; i < n; ++i) {
    LayerSpec& layer = m.layers[static_cast<size_t>(i)];
    if (layer.ffn == Ffn::kNone) continue;  // pattern-driven models set their own FFNs
    bool is_moe = i >= first_dense;
    if (step > 1) is_moe = is_moe && ((i + 1) % step == 0);
    if (std::find(mlp_only.begin(), mlp_only.end(), i) != mlp_only.end()) is_moe = false;
    layer.ffn = is_moe ? Ffn::kMoe : Ffn::kDense;
  }
  if (m.model_type.rfind("llama4", 0) == 0)
    m.intermediate_size = r.opt({"intermediate_size_mlp"}).value_or(m.intermediate_size);
}

[[gnu::noinline]] void fill_mla(ModelSpec& m, const Reader& r) {
  if (!r.opt({"kv_lora_rank"}, 1)) return;
  MlaShape mla;
  mla.kv_lora_rank = r.req({"kv_lora_rank"});
  mla.q_lora_rank = r.opt({"q_lora_rank"}, 0).value_or(0);
  mla.qk_rope_head_dim = r.req({"qk_rope_head_dim"});
  mla.qk_nope_head_dim = r.req({"qk_nope_head_dim"});
  mla.v_head_dim = r.opt({"v_head_dim"}).value_or(mla.qk_nope_head_dim);
  mla.index_n_heads = r.opt({"index_n_heads"}, 0).value_or(0);
  mla.index_head_dim = r.opt({"index_head_dim"}, 0).value_or(0);
  m.mla = mla;
  for (auto& l : m.layers)
    if (l.mixer == Mixer::kFullAttention) l.mixer = Mixer::kMla;
}

[[gnu::noinline]] void fill_mamba(ModelSpec& m, const Reader& r) {
  if (!m.has_mixer(Mixer::kMamba2) && !m.has_mixer(Mixer::kGatedDeltaNet) && !m.has_mixer(Mixer::kShortConv))
    return;
  MambaShape s;
  if (m.has_mixer(Mixer::kMamba2)) {
    s.num_heads = r.req({"mamba_num_heads", "mamba_n_heads"});
    s.head_dim = r.req({"mamba_head_dim", "mamba_d_head"});
    s.d_state = r.req({"ssm_state_size", "mamba_d_state"});
    s.n_groups = r.opt({"n_groups", "mamba_n_groups"}, 1).value_or(1);
    s.conv_kernel = r.opt({"conv_kernel", "mamba_d_conv"}, 1).value_or(4);
  }
  if (m.has_mixer(Mixer::kGatedDeltaNet)) {
    s.num_k_heads = r.req({"linear_num_key_heads"});
    s.k_head_dim = r.req({"linear_key_head_dim"});
    s.num_v_heads = r.req({"linear_num_value_heads"});
    s.v_head_dim = r.req({"linear_value_head_dim"});
    s.conv_kernel = r.opt({"linear_conv_kernel_dim"}, 1).value_or(4);
  }
  if (m.has_mixer(Mixer::kShortConv)) {
    s.conv_dim = m.hidden_size;
    s.conv_kernel = r.opt({"conv_L_cache"}, 1).value_or(3);
  }
  auto ssm = opt_string(r.j, "mamba_ssm_dtype", r.path);
  if (!ssm) ssm = opt_string(r.j, "mamba_ssm_cache_dtype", r.path);
  s.ssm_state_bytes = (ssm && normalise_dtype(*ssm) == "float32") ? 4 : 2;
  if (ssm) m.notes.push_back("SSM state kept in " + *ssm + " (config " + r.path + " mamba_ssm_dtype)");
  m.mamba = s;
}

// Vision towers count in the weights but not in the KV cache. We estimate their size from the
// usual ViT fields; the estimate is noted because vision configs vary a lot.
[[gnu::noinline]] void fill_vision(ModelSpec& m, const Json& root) {
  const Json* v = first_of(root, {"vision_config", "vision_tower_config", "visual"});
  if (!v || !v->is_object()) return;
  const Json vfilled = with_defaults(*v, opt_string(*v, "model_type", "vision_config").value_or(""));
  Reader r{vfilled, "vision_config"};
  const int64_t depth = r.opt({"depth", "num_hidden_layers", "num_layers"}, 0, kMaxLayers).value_or(0);
  const int64_t h = r.opt({"embed_dim", "hidden_size", "width"}, 0).value_or(0);
  if (depth == 0 || h == 0) {
    m.vision = VisionShape{0, "vision_config present but without depth/hidden_size: not counted"};
    m.notes.push_back("vision tower size unknown (vision_config lacks depth or hidden_size); weights exclude it");
    return;
  }
  const int64_t mlp_ratio = r.opt({"mlp_ratio"}, 1, 64).value_or(4);
  int64_t inter = r.opt({"intermediate_size", "mlp_dim"}).value_or(mlp_ratio * h);
  const int64_t patch = r.opt({"patch_size"}, 1, 1024).value_or(14);
  const int64_t channels = r.opt({"in_channels", "num_channels"}, 1, 16).value_or(3);
  const int64_t temporal = r.opt({"temporal_patch_size"}, 1, 16).value_or(1);
  const int64_t out = r.opt({"out_hidden_size"}).value_or(m.hidden_size);  // the LLM width
  const int64_t merge = r.opt({"spatial_merge_size"}, 1, 16).value_or(1);
  const bool gated = opt_string(vfilled, "hidden_act", "vision_config").value_or("gelu") == "silu";
  // In double: each field is bounded, but their products are not (hidden 2^24 with a 16 x 16
  // merge gives a 2^64-parameter projector), and signed overflow is undefined behaviour.
  const double hd = static_cast<double>(h), id = static_cast<double>(inter);
  const double block = 4 * hd * hd + (gated ? 3 : 2) * hd * id + 9 * hd + 2 * id;
  const double patch_embed = static_cast<double>(channels * temporal * patch * patch) * hd;
  const double merged = hd * static_cast<double>(merge * merge);
  const double projector = merged * merged + merged * static_cast<double>(out) +
                           static_cast<double>(m.hidden_size) * static_cast<double>(out);
  // A learned table of patch positions (Qwen3-VL: 2304 x hidden), and Qwen3-VL's "deepstack"
  // mergers: one more patch merger (merged -> merged -> out) for every listed block, whose
  // output is added to an early language-model layer.
  const double positions = static_cast<double>(r.opt({"num_position_embeddings"}, 0, int64_t{1} << 24).value_or(0)) * hd;
  size_t deepstack_levels = 0;
  if (const Json* d = first_of(vfilled, {"deepstack_visual_indexes"}); d && d->is_array()) deepstack_levels = d->size();
  if (deepstack_levels > static_cast<size_t>(depth))
    throw InputError("vision_config.deepstack_visual_indexes", "vision_config.deepstack_visual_indexes lists " +
                                                                   std::to_string(deepstack_levels) + " blocks; the tower has " +
                                                                   std::to_string(depth));
  const double deepstack = static_cast<double>(deepstack_levels) * (merged * merged + merged * static_cast<double>(out));
  const double params = static_cast<double>(depth) * block + patch_embed + positions + projector + deepstack;
  if (params > 1e13)
    throw InputError("vision_config.hidden_size", "vision_config: its sizes (depth, hidden_size, spatial_merge_size, "
                                                  "num_position_embeddings) give an absurdly large vision tower (" +
                                                      std::to_string(params) + " parameters)");
  VisionShape vs;
  vs.params = static_cast<int64_t>(params);
  const std::string family = opt_string(root, "model_type", "").value_or("");
  if (family == "qwen2_vl" || family == "qwen2_5_vl") vs.family = VisionFamily::kQwen2Vl;
  else if (family == "qwen3_vl" || family == "qwen3_vl_moe") vs.family = VisionFamily::kQwen3Vl;
  else if (family == "gemma3") vs.family = VisionFamily::kGemma3;
  else if (family == "llama4") vs.family = VisionFamily::kLlama4;
  vs.patch_size = patch;
  vs.temporal_patch = temporal;
  vs.merge = merge;
  vs.channels = channels;
  // Fields only these families' dummy inputs use; read (and checked) only for them.
  if (vs.family == VisionFamily::kGemma3 || vs.family == VisionFamily::kLlama4)
    vs.image_size = r.opt({"image_size"}, 1, 1 << 16).value_or(0);
  if (vs.family == VisionFamily::kGemma3)
    vs.tokens_per_image = opt_int(root, "mm_tokens_per_image", "", 1, 1 << 20).value_or(0);
  if (vs.family == VisionFamily::kLlama4) {
    const double shuffle = opt_double(vfilled, "pixel_shuffle_ratio", "vision_config", 0.01, 1.0).value_or(0.5);
    vs.tile_token_ratio = shuffle * shuffle;
  }
  vs.embed_width = (vs.family == VisionFamily::kQwen2Vl || vs.family == VisionFamily::kQwen3Vl)
                       ? out * (1 + static_cast<int64_t>(deepstack_levels))
                       : m.hidden_size;
  vs.how = "vision tower: " + std::to_string(depth) + " blocks of hidden " + std::to_string(h) +
           ", MLP " + std::to_string(inter) + ", plus patch embedding and projector" +
           (deepstack > 0 ? " and deepstack mergers" : "") + " (estimated)";
  m.vision = vs;
  m.notes.push_back("vision tower weights estimated from vision_config (" + std::to_string(depth) +
                    " blocks, hidden " + std::to_string(h) + "): about " +
                    std::to_string(vs.params / 1000000) + "M parameters, kept in the model dtype");
}

}  // namespace

bool ModelSpec::has_mixer(Mixer mix) const {
  return std::any_of(layers.begin(), layers.end(), [mix](const LayerSpec& l) { return l.mixer == mix; });
}

const char* mixer_name(Mixer m) {
  switch (m) {
    case Mixer::kFullAttention: return "full_attention";
    case Mixer::kSlidingAttention: return "sliding_window";
    case Mixer::kChunkedAttention: return "chunked_local";
    case Mixer::kMla: return "mla";
    case Mixer::kMamba2: return "mamba2";
    case Mixer::kGatedDeltaNet: return "gated_delta_net";
    case Mixer::kShortConv: return "short_conv";
    case Mixer::kNone: return "none";
  }
  return "?";
}

ModelSpec parse_model_config(std::string_view config_json) {
  const Json root = parse_json_text(config_json, "config");
  if (!root.is_object()) throw InputError("config", "config.json must be a JSON object");

  ModelSpec m;
  if (const Json* a = first_of(root, {"architectures"}); a && a->is_array() && !a->empty() && (*a)[0].is_string())
    m.architecture = (*a)[0].get<std::string>();
  m.model_type = opt_string(root, "model_type", "").value_or("");
  if (m.architecture.empty() && m.model_type.empty())
    throw InputError("model_type", "config has neither architectures nor model_type: is this a HuggingFace config.json?");

  // Language model: nested for multimodal configs.
  const Json* text = &root;
  for (auto key : kTextKeys) {
    if (const Json* t = first_of(root, {key}); t && t->is_object()) {
      text = t;
      m.text_path = std::string(key);
      break;
    }
  }
  if (!m.text_path.empty()) {
    if (auto tt = opt_string(*text, "model_type", m.text_path)) m.model_type = *tt;
    else if (m.model_type == "gemma3") m.model_type = "gemma3_text";  // transformers' default text config
  }
  // Fields equal to the transformers class default are often left out of config.json.
  // Only nested configs: transformers writes them as a diff against the sub-config's class
  // defaults, while a top-level config.json always carries its model fields. A top-level config
  // that lacks one is therefore refused, naming the field.
  const Json text_filled = m.text_path.empty() ? *text : with_defaults(*text, m.model_type);
  {
    std::string filled;
    const Json defaults = m.text_path.empty() ? Json::object() : transformers_defaults(m.model_type);
    for (const auto& [k, v] : defaults.items())
      if (!text->contains(k) || (*text)[k].is_null()) filled += (filled.empty() ? "" : ", ") + k + " = " + v.dump();
    if (!filled.empty())
      m.notes.push_back("config.json leaves out fields that transformers fills from the " + m.model_type +
                        " class defaults: " + filled);
  }
  text = &text_filled;
  Reader r{*text, m.text_path};

  m.hidden_size = r.req({"hidden_size", "n_embd", "d_model", "dim"});
  const int64_t n_layers = r.req({"num_hidden_layers", "n_layer", "num_layers", "n_layers"}, 1, kMaxLayers);
  m.vocab_size = r.opt({"vocab_size", "padded_vocab_size"}, 1, kMaxVocab).value_or(0);
  if (m.vocab_size == 0) m.vocab_size = Reader{root, ""}.req({"vocab_size"}, 1, kMaxVocab);
  const int64_t heads = r.req({"num_attention_heads", "n_head", "num_heads"});
  m.attn.num_heads = heads;

  // KV heads: the first present of vLLM's list, falling back to the query heads.
  std::optional<int64_t> kv = r.opt({"n_head_kv", "num_kv_heads", "num_key_value_heads", "multi_query_group_num",
                                      "num_attention_groups"}, 1);
  if (!kv && opt_bool(*text, "multi_query", r.path).value_or(false)) kv = 1;
  m.attn.num_kv_heads = kv.value_or(heads);
  if (m.attn.num_kv_heads > heads)
    throw InputError(join_path(r.path, "num_key_value_heads"),
                     join_path(r.path, "num_key_value_heads") + " exceeds num_attention_heads");
  if (heads % m.attn.num_kv_heads != 0)
    throw InputError(join_path(r.path, "num_key_value_heads"),
                     join_path(r.path, "num_attention_heads") + " is not a multiple of num_key_value_heads");

  if (auto hd = r.opt({"head_dim", "hidden_size_per_head", "kv_channels"}, 1)) m.attn.head_dim = *hd;
  else {
    if (m.hidden_size % heads != 0)
      throw InputError(join_path(r.path, "head_dim"), "no head_dim and hidden_size is not divisible by num_attention_heads");
    m.attn.head_dim = m.hidden_size / heads;
  }
  m.attn.head_dim_v = m.attn.head_dim;
  m.attn.qkv_bias = opt_bool(*text, "attention_bias", r.path).value_or(false) ||
                    opt_bool(*text, "qkv_bias", r.path).value_or(false) || m.model_type == "qwen2" ||
                    m.model_type == "qwen2_moe" || m.model_type == "qwen2_vl" || m.model_type == "qwen2_5_vl" ||
                    m.model_type == "gpt2" || m.model_type == "opt" || m.model_type == "gpt_bigcode" ||
                    m.model_type == "chatglm";
  m.attn.o_bias = m.model_type == "gpt2" || m.model_type == "opt" || m.model_type == "gpt_bigcode" ||
                  m.model_type == "gpt_oss" || opt_bool(*text, "attention_bias", r.path).value_or(false);
  m.attn.qk_norm = m.model_type.rfind("qwen3", 0) == 0 || m.model_type.rfind("gemma3", 0) == 0 ||
                   m.model_type.rfind("olmo", 0) == 0 || opt_bool(*text, "use_qk_norm", r.path).value_or(false);
  m.attn.output_gate = opt_bool(*text, "attn_output_gate", r.path).value_or(false);

  const bool learned_pos = m.model_type == "gpt2" || m.model_type == "opt" || m.model_type == "gpt_bigcode";
  m.max_position_embeddings =
      r.opt({"max_position_embeddings", "n_positions", "max_sequence_length", "seq_length", "model_max_length"}, 1,
            kMaxPositions)
          .value_or(0);
  if (m.max_position_embeddings == 0) {
    m.max_position_embeddings = 2048;
    m.notes.push_back("config gives no max_position_embeddings: assumed 2048, as vLLM does");
  }
  if (learned_pos) m.learned_positions = m.max_position_embeddings + (m.model_type == "opt" ? 2 : 0);
  else {
    double partial = opt_double(*text, "partial_rotary_factor", r.path, 0.0, 1.0).value_or(1.0);
    if (const Json* rp = first_of(*text, {"rope_parameters"}); rp && rp->is_object())
      partial = opt_double(*rp, "partial_rotary_factor", join_path(r.path, "rope_parameters"), 0.0, 1.0).value_or(partial);
    m.attn.rotary_dim = static_cast<int64_t>(std::llround(m.attn.head_dim * partial));
    if (m.mla) m.attn.rotary_dim = 0;  // set after MLA parsing
  }

  const int64_t default_inter = (m.model_type == "gpt2" || m.model_type == "gpt_bigcode") ? 4 * m.hidden_size : 0;
  m.intermediate_size =
      r.opt({"intermediate_size", "ffn_hidden_size", "n_inner", "ffn_dim", "d_ff", "ff_intermediate_size"}).value_or(default_inter);
  if (m.intermediate_size == 0 && r.opt({"moe_intermediate_size"})) {  // all-MoE configs (Qwen3.5-MoE)
    m.intermediate_size = *r.opt({"moe_intermediate_size"});
    m.notes.push_back("config gives no intermediate_size: dense MLPs, if any, sized as one expert (moe_intermediate_size)");
  }
  if (m.intermediate_size == 0 && first_of(*text, {"block_configs"}))
    m.intermediate_size = 1;  // per-layer widths come from block_configs (fill_block_configs)
  if (m.intermediate_size == 0)
    throw InputError(join_path(r.path, "intermediate_size"), "missing required field " + join_path(r.path, "intermediate_size"));
  std::string act = opt_string(*text, "hidden_act", r.path).value_or(
      opt_string(*text, "activation_function", r.path).value_or("silu"));
  if (auto mlp_act = opt_string(*text, "mlp_hidden_act", r.path)) act = *mlp_act;  // NemotronH
  m.gated_mlp = !(learned_pos || act == "relu2" || m.model_type == "phi" || m.model_type == "starcoder2");
  m.mlp_bias = learned_pos || opt_bool(*text, "mlp_bias", r.path).value_or(false);
  m.layernorm_bias = learned_pos;
  m.tie_word_embeddings = opt_bool(root, "tie_word_embeddings", "").value_or(
      opt_bool(*text, "tie_word_embeddings", r.path).value_or(learned_pos || m.model_type.rfind("gemma", 0) == 0));

  m.sliding_window = r.opt({"sliding_window"}, 0, kMaxPositions).value_or(0);
  m.attention_chunk_size = r.opt({"attention_chunk_size"}, 0, kMaxPositions).value_or(0);

  fill_layers(m, r, n_layers);
  fill_block_configs(m, r);
  fill_moe(m, r);
  fill_mla(m, r);
  if (m.mla) m.attn.rotary_dim = m.mla->qk_rope_head_dim;
  fill_mamba(m, r);
  fill_vision(m, root);

  // dtype: config torch_dtype (or dtype), text config first.
  auto dt = opt_string(*text, "torch_dtype", r.path);
  if (!dt) dt = opt_string(*text, "dtype", r.path);
  if (!dt) dt = opt_string(root, "torch_dtype", "");
  if (!dt) dt = opt_string(root, "dtype", "");
  if (dt) {
    m.dtype = normalise_dtype(*dt);
    if (m.dtype != "bfloat16" && m.dtype != "float16" && m.dtype != "float32") {
      const std::string f = "torch_dtype";
      throw InputError(f, f + " = \"" + *dt + "\" is not a dtype vLLM serves (bfloat16, float16, float32)");
    }
  } else {
    m.dtype = "bfloat16";
    m.notes.push_back("config gives no torch_dtype: assumed bfloat16");
  }

  if (const Json* q = first_of(root, {"quantization_config", "compression_config"}); q)
    m.quant = parse_quantization_config(*q, "quantization_config");
  else if (const Json* q2 = first_of(*text, {"quantization_config"}); q2)
    m.quant = parse_quantization_config(*q2, join_path(r.path, "quantization_config"));

  if (!is_known_model_type(m.model_type))
    m.notes.push_back("model_type \"" + m.model_type + "\" is not one Headroom has checked: estimated as a standard "
                      "decoder (attention and MLP per layer) from its shape fields");

  // Arithmetic sanity: products of these fields must stay far from 64-bit overflow.
  const double params_guess = static_cast<double>(m.hidden_size) * static_cast<double>(m.intermediate_size) *
                              static_cast<double>(n_layers) *
                              static_cast<double>(m.moe ? m.moe->num_experts : 1);
  if (params_guess > 1e16)
    throw InputError(join_path(r.path, "hidden_size"),
                     "hidden_size x intermediate_size x layers x experts is absurdly large (" +
                         std::to_string(params_guess) + " parameters)");
  return m;
}

}  // namespace headroom
