#include "core/kv_cache.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace headroom {
namespace {

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Per-layer spec before grouping.
struct LayerKv {
  std::string kind;
  int64_t window = 0;
  double bytes_per_token = 0;  // attention-like layers
  double state_bytes = 0;      // state layers (per request)
};

double mamba_state_bytes(const ModelSpec& m, Mixer mix, const Resolved& s) {
  const MambaShape& st = *m.mamba;
  const int64_t tp = s.tp;
  const double conv_b = s.dtype_bytes;
  const double ssm_b = st.ssm_state_bytes;
  if (mix == Mixer::kMamba2) {
    const int64_t inner = st.num_heads * st.head_dim;
    const int64_t groups = std::max(st.n_groups, tp);
    const int64_t conv_dim = inner + 2 * groups * st.d_state;
    return static_cast<double>(conv_dim / tp) * (st.conv_kernel - 1) * conv_b +
           static_cast<double>(st.num_heads / tp) * st.head_dim * st.d_state * ssm_b;
  }
  if (mix == Mixer::kGatedDeltaNet) {
    const int64_t conv_dim = 2 * st.num_k_heads * st.k_head_dim + st.num_v_heads * st.v_head_dim;
    return static_cast<double>(conv_dim / tp) * (st.conv_kernel - 1) * conv_b +
           static_cast<double>(st.num_v_heads / tp) * st.v_head_dim * st.k_head_dim * ssm_b;
  }
  return static_cast<double>(m.hidden_size / tp) * (st.conv_kernel - 1) * conv_b;  // short conv
}

std::vector<LayerKv> layer_specs(const ModelSpec& m, const Resolved& s, int64_t first, int64_t count,
                                 std::vector<std::string>& notes) {
  std::vector<LayerKv> out;
  const auto& a = m.attn;
  const bool hma = s.rules.hybrid_kv_groups;
  // Chunked local attention (Llama 4) gets its own KV groups from v0.11 (v0.19 logs show
  // 4 groups of 12 layers for Llama-4-Scout); before, the hybrid manager was disabled for it
  // and every layer got blocks for the full context.
  const bool chunked_to_full = m.has_mixer(Mixer::kChunkedAttention) && !s.rules.version.at_least(0, 11, 0);
  bool noted_chunk = false, noted_swa = false;
  for (int64_t i = first; i < first + count; ++i) {
    const Mixer mix = m.layers[static_cast<size_t>(i)].mixer;
    const int64_t layer_kv = m.layer_kv_heads(m.layers[static_cast<size_t>(i)]);
    const double attn_tok = static_cast<double>(std::max<int64_t>(1, layer_kv / s.tp)) *
                            (a.head_dim + a.head_dim_v) * s.kv_bytes;
    switch (mix) {
      case Mixer::kFullAttention: out.push_back({"full_attention", 0, attn_tok, 0}); break;
      case Mixer::kSlidingAttention:
        if (hma && !chunked_to_full) out.push_back({"sliding_window", m.sliding_window, attn_tok, 0});
        else {
          out.push_back({"full_attention", 0, attn_tok, 0});
          if (!noted_swa) notes.push_back("this vLLM version gives sliding-window layers blocks for the full context");
          noted_swa = true;
        }
        break;
      case Mixer::kChunkedAttention:
        if (hma && !chunked_to_full) {
          out.push_back({"chunked_local", m.attention_chunk_size, attn_tok, 0});
          break;
        }
        out.push_back({"full_attention", 0, attn_tok, 0});
        if (!noted_chunk)
          notes.push_back("chunked local attention: vLLM disables the hybrid KV-cache manager, so every layer "
                          "gets blocks for the full context");
        noted_chunk = true;
        break;
      case Mixer::kMla: {
        const MlaShape& mla = *m.mla;
        double tok;
        if (!s.rules.mla_latent_cache) tok = static_cast<double>(a.num_heads / s.tp) * 2 * 192 * s.kv_bytes;
        else if (s.fp8_ds_mla) tok = 656;  // DeepSeek's fp8_ds_mla layout (settings.cpp)
        else tok = static_cast<double>(mla.kv_lora_rank + mla.qk_rope_head_dim) * s.kv_bytes;
        out.push_back({"mla", 0, tok, 0});
        if (mla.index_n_heads > 0)  // lightning indexer keys: 128 B fp8 + 4 B scale per 128
          out.push_back({"mla_indexer", 0, static_cast<double>(mla.index_head_dim + mla.index_head_dim / 128 * 4), 0});
        break;
      }
      case Mixer::kMamba2:
      case Mixer::kGatedDeltaNet:
      case Mixer::kShortConv: out.push_back({"mamba", 0, 0, mamba_state_bytes(m, mix, s)}); break;
      case Mixer::kNone: break;
    }
  }
  return out;
}

}  // namespace

KvLayout plan_kv_layout(const ModelSpec& m, const Resolved& s, int64_t first, int64_t count) {
  KvLayout kv;
  const auto layers = layer_specs(m, s, first, count, kv.notes);
  kv.kv_layers = static_cast<int64_t>(layers.size());
  kv.block_size = s.block_size;
  if (layers.empty()) {
    kv.formula = "no KV layers on this rank";
    return kv;
  }
  double attn_tok = 0, max_state = 0;
  for (const auto& l : layers) {
    kv.bytes_per_token += l.bytes_per_token;
    kv.state_bytes_per_request += l.state_bytes;
    if (l.bytes_per_token > 0 && attn_tok == 0 && l.kind != "mla_indexer") attn_tok = l.bytes_per_token;
    max_state = std::max(max_state, l.state_bytes);
  }

  // Hybrid attention + state layers: the attention block grows until its page holds a state.
  const bool has_state = max_state > 0;
  if (has_state && attn_tok > 0) {
    const int64_t align = 16;
    const int64_t per_block = static_cast<int64_t>(attn_tok) * align;
    kv.block_size = align * cdiv(static_cast<int64_t>(std::ceil(max_state)), per_block);
    if (kv.block_size != s.block_size)
      kv.notes.push_back("hybrid model: attention block size raised to " + std::to_string(kv.block_size) +
                         " tokens so one attention page holds one state page");
  }

  // Bucket layers by spec.
  std::map<std::string, KvGroup> types;
  std::map<std::string, double> type_page;
  for (const auto& l : layers) {
    std::string key = l.kind + (l.window ? "(" + std::to_string(l.window) + ")" : "");
    auto& g = types[key];
    g.kind = key;
    g.window = l.window;
    g.is_state = l.state_bytes > 0;
    g.layers += 1;
    type_page[key] = l.state_bytes > 0 ? 0 : l.bytes_per_token * kv.block_size;
  }
  double page = 0;
  for (auto& [k, p] : type_page) page = std::max(page, p);
  if (page == 0) page = max_state;  // pure state model
  kv.page_bytes = page;

  const bool all_full_like = std::all_of(types.begin(), types.end(), [](const auto& t) {
    return t.first == "full_attention" || t.first == "mla" || t.first == "mla_indexer";
  });
  if (types.size() == 1 || (all_full_like && types.size() > 1 && types.count("mla_indexer"))) {
    // One group over every layer; different page sizes of one attention type add up.
    double sum = 0;
    for (const auto& l : layers) sum += l.bytes_per_token * kv.block_size + l.state_bytes;
    kv.block_cost_bytes = sum;
    kv.group_size = kv.kv_layers;
    KvGroup g = types.begin()->second;
    g.kind = types.size() == 1 ? g.kind : "mla+indexer";
    g.layers = kv.kv_layers;
    kv.groups.push_back(g);
    kv.formula = std::to_string(kv.kv_layers) + " layers x page of " + std::to_string(kv.block_size) + " tokens";
    return kv;
  }

  // Hybrid: equal pages, groups of group_size layers (§6.3).
  int64_t mn = INT64_MAX, mx = 0;
  for (const auto& [k, g] : types) {
    mn = std::min(mn, g.layers);
    mx = std::max(mx, g.layers);
  }
  kv.group_size = (static_cast<double>(mx) < 1.5 * static_cast<double>(mn)) ? mx : mn;
  int64_t padding = 0;
  for (const auto& [k, g] : types) {
    const int64_t n_groups = cdiv(g.layers, kv.group_size);
    padding += n_groups * kv.group_size - g.layers;
    for (int64_t i = 0; i < n_groups; ++i) {
      KvGroup part = g;
      part.layers = std::min(kv.group_size, g.layers - i * kv.group_size);
      kv.groups.push_back(part);
    }
  }
  kv.block_cost_bytes = page * static_cast<double>(kv.group_size);
  if (padding > 0) kv.notes.push_back("vLLM adds " + std::to_string(padding) + " padding layers to equalise KV groups");
  kv.formula = std::to_string(kv.groups.size()) + " groups of " + std::to_string(kv.group_size) +
               " layers; one block number costs group_size x page";
  return kv;
}

int64_t blocks_per_request(const KvLayout& kv, const Resolved& s, int64_t len) {
  const int64_t bs = kv.block_size;
  int64_t total = 0;
  for (const auto& g : kv.groups) {
    if (g.is_state) total += 1;
    else if (g.window > 0 && g.kind.rfind("sliding", 0) == 0)
      total += cdiv(std::min(g.window - 1 + s.max_num_batched_tokens, len), bs) + 1;
    else if (g.window > 0 && g.kind.rfind("chunked", 0) == 0)
      total += cdiv(std::min(g.window + s.max_num_batched_tokens, len), bs);
    else total += cdiv(len, bs);
  }
  return total;
}

int64_t blocks_for_budget(const KvLayout& kv, double avail_bytes) {
  if (kv.block_cost_bytes <= 0 || avail_bytes <= 0) return 0;
  return static_cast<int64_t>(std::floor(avail_bytes / kv.block_cost_bytes));
}

KvSizing size_kv(const KvLayout& kv, const Resolved& s, int64_t num_blocks) {
  KvSizing r;
  r.num_blocks = num_blocks;
  const int64_t L = s.max_model_len;
  r.blocks_per_request = blocks_per_request(kv, s, L);
  const int64_t n_groups = std::max<int64_t>(1, static_cast<int64_t>(kv.groups.size()));
  if (s.rules.concurrency_tokens_over_len || !s.rules.v1) {
    r.max_concurrency = static_cast<double>(num_blocks) * kv.block_size / static_cast<double>(L);
  } else {
    r.max_concurrency = r.blocks_per_request > 0 ? static_cast<double>(num_blocks) / r.blocks_per_request : 0;
  }
  switch (s.rules.tokens_log) {
    case TokensLog::kNotLogged:
    case TokensLog::kBlocksTimesBlockSize: r.tokens_logged = num_blocks * kv.block_size; break;
    case TokensLog::kPerGroupMinBlock: r.tokens_logged = num_blocks / n_groups * kv.block_size; break;
    case TokensLog::kConcurrencyTimesLen:
      r.tokens_logged = static_cast<int64_t>(r.max_concurrency * static_cast<double>(L));
      break;
  }
  r.one_request_fits = s.rules.v1 ? (num_blocks >= r.blocks_per_request && num_blocks > 0)
                                  : (num_blocks * kv.block_size >= L && num_blocks > 0);
  return r;
}

}  // namespace headroom
