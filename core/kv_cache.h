#pragma once
// KV cache layout per rank: page sizes per layer type, grouping, blocks, tokens and maximum
// concurrency, as vLLM's KV-cache manager computes them (docs/vllm-memory-model.md §6).
#include <cstdint>
#include <string>
#include <vector>

#include "core/model_spec.h"
#include "core/settings.h"

namespace headroom {

struct KvGroup {
  std::string kind;     // "full_attention", "sliding_window(4096)", "mla", "mamba", ...
  int64_t layers = 0;   // real layers in this group (the last group of a type may be padded)
  int64_t window = 0;   // sliding window or attention chunk, 0 for full
  bool is_state = false;  // Mamba / linear attention: fixed state per request
};

struct KvLayout {
  int64_t block_size = 16;        // after hybrid alignment
  double page_bytes = 0;          // bytes of one block of one layer (all pages equal when grouped)
  double block_cost_bytes = 0;    // bytes one block number costs across all KV tensors
  double bytes_per_token = 0;     // attention KV bytes per token on this rank (display)
  double state_bytes_per_request = 0;  // mamba/linear state per request, all layers
  int64_t group_size = 0;
  std::vector<KvGroup> groups;
  int64_t kv_layers = 0;          // layers that own KV tensors on this rank
  std::string formula;            // how block_cost_bytes was formed, in words
  std::vector<std::string> notes;
};

KvLayout plan_kv_layout(const ModelSpec& m, const Resolved& s, int64_t first_layer, int64_t num_layers);

// Blocks one request of `len` tokens needs, summed over groups (§6.5).
int64_t blocks_per_request(const KvLayout& kv, const Resolved& s, int64_t len);

struct KvSizing {
  int64_t num_blocks = 0;
  int64_t tokens_logged = 0;     // "GPU KV cache size: N tokens" as this version logs it
  double max_concurrency = 0;    // "Maximum concurrency for L tokens per request: Xx"
  int64_t blocks_per_request = 0;
  bool one_request_fits = false;
};

KvSizing size_kv(const KvLayout& kv, const Resolved& s, int64_t num_blocks);
int64_t blocks_for_budget(const KvLayout& kv, double avail_bytes);

}  // namespace headroom
