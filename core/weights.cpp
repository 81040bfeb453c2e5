#include "core/weights.h"

#include <algorithm>
#include <numeric>

#include "core/errors.h"

namespace headroom {
namespace {

int64_t pad_vocab(int64_t v) { return (v + 63) / 64 * 64; }

struct Acc {
  std::vector<WeightPart> parts;
  void add(const std::string& name, double bytes) {
    for (auto& p : parts)
      if (p.name == name) {
        p.bytes += bytes;
        return;
      }
    parts.push_back({name, bytes});
  }
};

// Per-layer pieces for one rank. `lin` stores a linear layer, quantised or not.
struct LayerCost {
  const ModelSpec& m;
  const QuantSpec& q;
  int db;  // dtype bytes
  int64_t tp;

  double lin(int64_t out, int64_t in, bool quantizable = true) const {
    if (!quantizable || !q.quantized()) return static_cast<double>(out) * in * db;
    return q.linear_bytes(out, in, db);
  }
  bool attn_quantized() const { return q.quantized() && !q.experts_only && !q.attention_unquantized; }
  bool dense_quantized() const { return q.quantized() && !q.experts_only; }

  double attention(Mixer mix, int64_t layer_kv_heads) const {
    const auto& a = m.attn;
    const int64_t H = m.hidden_size;
    if (mix == Mixer::kMla) return mla();
    const int64_t q_out = a.num_heads / tp * a.head_dim * (a.output_gate ? 2 : 1);
    const int64_t kv_heads = std::max<int64_t>(1, layer_kv_heads / tp);
    const int64_t k_out = kv_heads * a.head_dim, v_out = kv_heads * a.head_dim_v;
    double b = lin(q_out + k_out + v_out, H, attn_quantized());
    b += lin(H, a.num_heads / tp * a.head_dim_v, attn_quantized());
    if (a.qkv_bias) b += static_cast<double>(q_out + k_out + v_out) * db;
    if (a.o_bias) b += static_cast<double>(H) * db;
    if (a.qk_norm) b += 2.0 * a.head_dim * db;
    if (m.model_type == "gpt_oss") b += static_cast<double>(a.num_heads / tp) * 4;  // attention sinks (fp32)
    return b;
  }

  double mla() const {
    const MlaShape& s = *m.mla;
    const int64_t H = m.hidden_size, nh = m.attn.num_heads / tp;
    const int64_t qk_head = s.qk_nope_head_dim + s.qk_rope_head_dim;
    const bool qz = attn_quantized();
    double b = 0;
    if (s.q_lora_rank > 0) {
      b += lin(s.q_lora_rank + s.kv_lora_rank + s.qk_rope_head_dim, H, qz);  // fused q_a + kv_a (replicated)
      b += static_cast<double>(s.q_lora_rank) * db;                          // q_a_layernorm
      b += lin(nh * qk_head, s.q_lora_rank, qz);                             // q_b_proj
    } else {
      b += lin(nh * qk_head, H, qz);
      b += lin(s.kv_lora_rank + s.qk_rope_head_dim, H, qz);
    }
    b += static_cast<double>(s.kv_lora_rank) * db;                                  // kv_a_layernorm
    b += lin(nh * (s.qk_nope_head_dim + s.v_head_dim), s.kv_lora_rank, qz);         // kv_b_proj
    b += lin(H, nh * s.v_head_dim, qz);                                             // o_proj
    // Quantised checkpoints: W_UK_T and W_UV are dequantised copies of kv_b_proj (bf16).
    if (qz) b += static_cast<double>(s.kv_lora_rank) * nh * (s.qk_nope_head_dim + s.v_head_dim) * 2;
    if (s.index_n_heads > 0) {  // DeepSeek-V3.2 lightning indexer (replicated)
      b += lin(s.index_n_heads * s.index_head_dim, std::max<int64_t>(s.q_lora_rank, 1), qz);
      b += lin(s.index_head_dim, H, qz);
      b += static_cast<double>(s.index_head_dim) * 2 * db;  // k_norm weight + bias
      b += static_cast<double>(H) * s.index_n_heads * db;   // weights_proj
    }
    return b;
  }

  double mixer_state_layer(Mixer mix) const {
    const MambaShape& s = *m.mamba;
    const int64_t H = m.hidden_size;
    const bool qz = dense_quantized();
    if (mix == Mixer::kMamba2) {
      const int64_t inner = s.num_heads * s.head_dim;
      const int64_t groups = std::max(s.n_groups, tp);  // groups are replicated up to tp
      const int64_t conv_dim = inner + 2 * groups * s.d_state;
      double b = lin((2 * inner + 2 * groups * s.d_state + s.num_heads) / tp, H, qz);
      b += static_cast<double>(conv_dim / tp) * (s.conv_kernel + 1) * db;  // conv weight + bias
      b += 3.0 * (s.num_heads / tp) * 4;                                 // A, D, dt_bias (fp32)
      b += static_cast<double>(inner / tp) * db;                         // gated norm
      b += lin(H, inner / tp, qz);
      return b;
    }
    if (mix == Mixer::kGatedDeltaNet) {
      const int64_t kdim = s.num_k_heads * s.k_head_dim, vdim = s.num_v_heads * s.v_head_dim;
      double b = lin((2 * kdim + 2 * vdim) / tp, H, qz);      // in_proj_qkvz
      b += lin(2 * s.num_v_heads / tp, H, false);              // in_proj_ba
      b += static_cast<double>((2 * kdim + vdim) / tp) * s.conv_kernel * db;
      b += 2.0 * (s.num_v_heads / tp) * 4;                     // A_log, dt_bias
      b += static_cast<double>(s.v_head_dim) * db;             // norm
      b += lin(H, vdim / tp, qz);
      return b;
    }
    // ShortConv (LFM2)
    return lin(3 * H / tp, H, qz) + static_cast<double>(H / tp) * s.conv_kernel * db + lin(H, H / tp, qz);
  }

  double dense_mlp(int64_t inter) const {
    const int64_t H = m.hidden_size, I = inter / tp;
    double b = lin((m.gated_mlp ? 2 : 1) * I, H, dense_quantized()) + lin(H, I, dense_quantized());
    if (m.mlp_bias) b += static_cast<double>((m.gated_mlp ? 2 : 1) * I + H) * db;
    return b;
  }

  double experts() const {
    const MoeShape& e = *m.moe;
    const int64_t H = m.hidden_size, I = e.intermediate_size / tp;
    const int64_t up = (m.gated_mlp || m.model_type == "gpt_oss") ? 2 * I : I;
    double b;
    if (q.method == QuantMethod::kMxfp4) {
      // MXFP4 MoE kernels pad the sizes: the Marlin path rounds intermediate up to 128 and
      // hidden up to 256 (gpt-oss-20b: 13.64-13.72 GiB logged on H100/A100 with v0.19).
      const int64_t Hp = (H + 255) / 256 * 256, Ip = (I + 127) / 128 * 128;
      const int64_t upp = up == 2 * I ? 2 * Ip : Ip;
      b = q.expert_bytes(e.num_experts, upp, Hp, db) + q.expert_bytes(e.num_experts, Hp, Ip, db);
      if (e.expert_bias) b += static_cast<double>(e.num_experts) * (upp + Hp) * db;
    } else {
      b = q.quantized() ? q.expert_bytes(e.num_experts, up, H, db) + q.expert_bytes(e.num_experts, H, I, db)
                        : static_cast<double>(e.num_experts) * (up + I) * H * db;
      if (e.expert_bias) b += static_cast<double>(e.num_experts) * (up + H) * db;
    }
    return b;
  }

  double moe_dense_parts() const {  // router, shared experts: everything but the routed experts
    const MoeShape& e = *m.moe;
    double b = static_cast<double>(e.num_experts) * m.hidden_size * db;  // router (unquantised)
    if (m.model_type == "gpt_oss") b += static_cast<double>(e.num_experts) * db;
    if (e.shared_intermediate_size > 0) b += dense_mlp(e.shared_intermediate_size);
    if (e.shared_expert_gate) b += static_cast<double>(m.hidden_size) * db;
    return b;
  }
};

}  // namespace

double RankWeights::total_bytes() const {
  return std::accumulate(parts.begin(), parts.end(), 0.0, [](double s, const WeightPart& p) { return s + p.bytes; });
}

std::vector<int64_t> pp_layer_counts(int64_t n, int64_t pp) {
  std::vector<int64_t> parts(static_cast<size_t>(pp), n / pp);
  const int64_t rem = n % pp;
  for (int64_t i = 2; i < rem + 2; ++i) parts[static_cast<size_t>(pp - i)] += 1;
  return parts;
}

QuantSpec effective_quant(const ModelSpec& m, const std::string* flag, std::vector<std::string>& notes) {
  if (!flag) return m.quant;
  QuantSpec asked = quant_from_name(*flag, "quantization");
  if (!m.quant.quantized()) {
    asked.from_flag = true;
    if (asked.method == QuantMethod::kFp8PerTensor)
      notes.push_back("quantization fp8 on an unquantised checkpoint: vLLM quantises the weights online to FP8 (per-tensor scales)");
    else
      notes.push_back("quantization " + *flag + " applied to this unquantised config: Headroom sizes the weights as a " + *flag +
                      " checkpoint of the same shapes would be");
    return asked;
  }
  const bool same_family =
      asked.method == m.quant.method ||
      (asked.bits == 8 && m.quant.bits == 8 && asked.method != QuantMethod::kInt8 && m.quant.method != QuantMethod::kInt8) ||
      *flag == "compressed-tensors" || *flag == "modelopt" || m.quant.name.rfind(*flag, 0) == 0 ||
      (asked.method == QuantMethod::kInt4Group && m.quant.method == QuantMethod::kInt4Group);
  if (!same_family)
    throw InputError("quantization", "quantization = " + *flag + " contradicts the checkpoint's quantization_config (" +
                                         m.quant.name + "); vLLM refuses that combination");
  return m.quant;
}

RankWeights weights_for_stage(const ModelSpec& m, const QuantSpec& q, int db, int64_t tp, int64_t pp, int64_t stage) {
  const auto counts = pp_layer_counts(m.num_layers(), pp);
  RankWeights w;
  w.pp_stage = stage;
  w.first_layer = std::accumulate(counts.begin(), counts.begin() + stage, int64_t{0});
  w.num_layers = counts[static_cast<size_t>(stage)];
  const bool first = stage == 0, last = stage == pp - 1;
  const int64_t H = m.hidden_size;
  const double vocab_rows = static_cast<double>(pad_vocab(m.vocab_size) / tp);
  Acc acc;
  LayerCost c{m, q, db, tp};

  if (first) {
    acc.add("embedding", vocab_rows * H * db);
    if (m.learned_positions > 0) acc.add("embedding", static_cast<double>(m.learned_positions) * H * db);
    if (m.vision && m.vision->params > 0) acc.add("vision tower", static_cast<double>(m.vision->params) / tp * db);
  }
  for (int64_t i = w.first_layer; i < w.first_layer + w.num_layers; ++i) {
    const LayerSpec& l = m.layers[static_cast<size_t>(i)];
    switch (l.mixer) {
      case Mixer::kFullAttention:
      case Mixer::kSlidingAttention:
      case Mixer::kChunkedAttention:
      case Mixer::kMla: acc.add("attention", c.attention(l.mixer, m.layer_kv_heads(l))); break;
      case Mixer::kMamba2:
      case Mixer::kGatedDeltaNet:
      case Mixer::kShortConv: acc.add("state-space mixers", c.mixer_state_layer(l.mixer)); break;
      case Mixer::kNone:
        if (l.linear_replacement) acc.add("attention", c.lin(H, H));
        break;
    }
    if (l.ffn == Ffn::kDense) acc.add("mlp", c.dense_mlp(m.layer_intermediate(l)));
    if (l.ffn == Ffn::kMoe) {
      acc.add("moe experts", c.experts());
      acc.add("mlp", c.moe_dense_parts());
    }
    const int norms = (m.model_type.rfind("gemma2", 0) == 0 || m.model_type.rfind("gemma3", 0) == 0) ? 4 : 2;
    acc.add("norms", static_cast<double>(norms) * H * db * (m.layernorm_bias ? 2 : 1));
  }
  if (last) {
    acc.add("norms", static_cast<double>(H) * db * (m.layernorm_bias ? 2 : 1));
    if (!m.tie_word_embeddings || !first) acc.add("lm_head", vocab_rows * H * db);
  }
  if (m.attn.rotary_dim > 0) {
    // One cos/sin cache per stage (vLLM caches RoPE modules), [max_position, rotary_dim].
    acc.add("rope cache", static_cast<double>(m.max_position_embeddings) * m.attn.rotary_dim * db);
  }
  w.parts = std::move(acc.parts);
  return w;
}

double total_parameters(const ModelSpec& m) {
  // Parameters at 1 byte each on one rank, no quantisation: bytes == parameter count.
  QuantSpec none;
  const auto all = weights_for_stage(m, none, 1, 1, 1, 0);
  double p = 0;
  for (const auto& part : all.parts)
    if (part.name != "rope cache") p += part.bytes;  // a buffer, not a parameter
  return p;
}

}  // namespace headroom
