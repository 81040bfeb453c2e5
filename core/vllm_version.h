#pragma once
// Which of vLLM's start-up rules apply to a given vLLM version (docs/vllm-memory-model.md).
// Each flag is one rule change, dated by the release that first shipped it.
#include <string>
#include <string_view>
#include <vector>

namespace headroom {

struct VllmVersion {
  int major = 0, minor = 0, patch = 0;
  std::string text;  // as the user wrote it, e.g. "0.18.0+rhaiv.0"
  bool operator<(const VllmVersion& o) const;
  bool at_least(int ma, int mi, int pa = 0) const;
};

// Budget equation eras (§2.1 of the reference).
enum class BudgetEra { E1, E2, E3, E4, E5, E6, E7, E8 };

enum class TokensLog { kNotLogged, kBlocksTimesBlockSize, kPerGroupMinBlock, kConcurrencyTimesLen };

struct VersionRules {
  VllmVersion version;
  bool v1 = true;                       // V1 engine (default from 0.8.0)
  BudgetEra era = BudgetEra::E8;
  double default_utilization = 0.92;
  bool ceil_requested = true;           // requested = ceil(total * u) (0.14+)
  bool context_in_non_torch = false;    // E1/E2/E4: the budget also charges the CUDA context
  bool nccl_in_non_torch = false;       // E3/E5: NCCL communicators counted in non-torch
  bool hybrid_kv_groups = true;         // 0.9.1+: sliding-window and mamba groups
  bool cudagraph_in_budget = true;      // E8: CUDA-graph estimate subtracted from the KV budget
  bool cudagraph_estimate_logged = true;// 0.18+: "Estimated CUDA graph memory"
  bool full_and_piecewise = true;       // 0.11+: FULL decode graphs on top of PIECEWISE
  bool v1_capture_from_2n = true;       // 0.10+: largest capture = min(2N, 512)
  bool capture_list_256_step16 = true;  // 0.11.1+: sizes step 16 above 256
  bool triton_sampler = true;           // 0.17+: Triton top-k/top-p (smaller sampler peak)
  bool mla_latent_cache = true;         // 0.7.1+
  bool concurrency_tokens_over_len = false;  // <= 0.9.0: concurrency = tokens / L
  TokensLog tokens_log = TokensLog::kConcurrencyTimesLen;
  std::vector<std::string> notes;
};

// "" or "latest" -> the newest version Headroom knows. Throws InputError("vllm_version").
VersionRules rules_for(std::string_view version);

// Newest first.
const std::vector<std::string>& known_vllm_versions();
std::string newest_vllm_version();

}  // namespace headroom
