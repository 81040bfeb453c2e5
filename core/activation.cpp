#include "core/activation.h"

#include <algorithm>

namespace headroom {

double forward_bytes_per_token(const ModelSpec& m, const Resolved& s, const Calibration& k) {
  const double scale = s.dtype_bytes / 2.0;  // constants were measured in a 2-byte dtype
  const bool any_dense = std::any_of(m.layers.begin(), m.layers.end(), [](const LayerSpec& l) { return l.ffn == Ffn::kDense; });
  int64_t widest = 0;
  for (const auto& l : m.layers)
    if (l.ffn == Ffn::kDense) widest = std::max(widest, m.layer_intermediate(l));
  const double inter = any_dense ? static_cast<double>(widest) / s.tp : 0.0;
  return k.vllm_kernel_factor.value * scale *
         (k.forward_bytes_per_intermediate.value * inter + k.forward_bytes_per_hidden.value * m.hidden_size);
}

ActivationEstimate estimate_activation(const ModelSpec& m, const Resolved& s, const Calibration& k, bool first_stage,
                                       bool last_stage, bool mxfp4_experts) {
  ActivationEstimate a;
  const double T = static_cast<double>(s.max_num_batched_tokens);
  a.forward_bytes = T * forward_bytes_per_token(m, s, k);
  if (m.moe && !mxfp4_experts) {
    // The fused-MoE kernel's intermediate caches are allocated once and stay for the profile.
    const double moe_inter = static_cast<double>(m.moe->intermediate_size) / s.tp;
    a.moe_workspace_bytes = k.moe_forward_bytes.value * T * m.moe->experts_per_token *
                            (3.0 * moe_inter + m.hidden_size) * s.dtype_bytes;
  }
  if (!first_stage) a.intermediate_bytes = 2.0 * T * m.hidden_size * s.dtype_bytes;
  a.persist_bytes = k.persist_gib.value * kGiB + a.moe_workspace_bytes + a.intermediate_bytes;
  // V0 with chunked prefill profiles partial prefills, which sample nothing.
  a.sampler_runs = last_stage && (s.rules.v1 || !s.chunked_prefill);
  if (a.sampler_runs) {
    a.sampler_rows = std::min(s.max_num_seqs, s.max_num_batched_tokens);
    const double c = s.rules.triton_sampler ? k.sampler_bytes_triton.value : k.sampler_bytes_sort.value;
    a.sampler_bytes = static_cast<double>(a.sampler_rows) * static_cast<double>(m.vocab_size) * c + T * m.hidden_size * 2.0;
  }
  a.multimodal = estimate_multimodal_profile(m, s, first_stage);
  a.total_bytes = a.persist_bytes + a.multimodal.kept_bytes + std::max(a.forward_bytes, a.sampler_bytes);
  return a;
}

Term activation_term(const ActivationEstimate& a, const ModelSpec& m, const Resolved& s, const Calibration& k) {
  Term t;
  t.key = "activation_gib";
  t.label = "Activation peak (profile run)";
  t.value = a.total_bytes / kGiB;
  t.formula = "persist (+ fused-MoE caches, + PP inputs, + multimodal encoder pass) + max(forward(T), sampler rows x vocab x c_s + T x hidden x 2 B)";
  t.inputs = {{"max_num_batched_tokens", s.max_num_batched_tokens},
              {"sampler_rows", a.sampler_rows},
              {"vocab_size", m.vocab_size},
              {"hidden_size", m.hidden_size},
              {"intermediate_size_per_rank", m.intermediate_size / s.tp},
              {"forward_gib", a.forward_bytes / kGiB},
              {"sampler_gib", a.sampler_bytes / kGiB},
              {"persist_gib", a.persist_bytes / kGiB},
              {"moe_workspace_gib", a.moe_workspace_bytes / kGiB},
              {"pp_intermediate_gib", a.intermediate_bytes / kGiB},
              {"multimodal_kept_gib", a.multimodal.kept_bytes / kGiB},
              {"sampler_backend", s.rules.triton_sampler ? "triton top-k/top-p (0.17+)" : "sort-based top-k/top-p"}};
  if (a.multimodal.modelled) {
    const MultimodalProfile& p = a.multimodal;
    t.inputs["multimodal_profile"] = {{"modality", p.modality},
                                      {"items", p.items},
                                      {"tokens_per_item", p.tokens_per_item},
                                      {"pixels_gib", p.pixel_bytes / kGiB},
                                      {"encoder_outputs_gib", p.output_bytes / kGiB},
                                      {"padded_copies_gib", p.padding_bytes / kGiB}};
  }
  const auto& c = s.rules.triton_sampler ? k.sampler_bytes_triton : k.sampler_bytes_sort;
  t.calibration = "c_s = " + std::to_string(c.value) + " B (" + c.source + "); forward: " +
                  std::to_string(k.forward_bytes_per_intermediate.value) + " B x I/tp + " +
                  std::to_string(k.forward_bytes_per_hidden.value) + " B x H per token (" +
                  k.forward_bytes_per_hidden.source + ")";
  return t;
}

}  // namespace headroom
