#pragma once
// Activation peak of vLLM's profile run (docs/vllm-memory-model.md §4): the torch peak
// increase while a max_num_batched_tokens dummy batch runs, plus the sampler's fp32 logits.
#include "core/calibration.h"
#include "core/model_spec.h"
#include "core/multimodal_profile.h"
#include "core/settings.h"
#include "core/term.h"

namespace headroom {

struct ActivationEstimate {
  double forward_bytes = 0;  // transient activations of the T-token forward
  double sampler_bytes = 0;  // sampler rows x vocab x coefficient + hidden rows
  double persist_bytes = 0;  // workspaces allocated during the profile (cuBLAS, fused-MoE caches)
  double moe_workspace_bytes = 0;
  double intermediate_bytes = 0;  // hidden + residual received from the previous pipeline stage
  MultimodalProfile multimodal;   // encoder inputs and outputs kept through the language-model pass
  double total_bytes = 0;
  int64_t sampler_rows = 0;
  bool sampler_runs = true;  // only on the last pipeline stage
};

// Forward activation bytes per token (also sizes the CUDA-graph pool).
double forward_bytes_per_token(const ModelSpec& m, const Resolved& s, const Calibration& k);

ActivationEstimate estimate_activation(const ModelSpec& m, const Resolved& s, const Calibration& k,
                                       bool first_stage, bool last_stage, bool mxfp4_experts);
Term activation_term(const ActivationEstimate& a, const ModelSpec& m, const Resolved& s, const Calibration& k);

}  // namespace headroom
