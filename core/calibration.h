#pragma once
// Constants for the terms vLLM measures rather than computes (activation peak, non-torch
// memory, CUDA graphs). The numbers live in models/calibration.json with their provenance.
#include <string>
#include <string_view>

namespace headroom {

struct CalibratedValue {
  double value = 0;
  std::string source;  // which records / measurements fixed it
};

struct Calibration {
  // Activation peak (§4.3): A = persist + max(forward(T), sampler(N_s) + T*H*2).
  CalibratedValue sampler_bytes_sort;      // per logit element, sort-based top-k/top-p (< 0.17, V0)
  CalibratedValue sampler_bytes_triton;    // per logit element, Triton top-k/top-p (>= 0.17)
  CalibratedValue forward_bytes_per_intermediate;  // per token per intermediate unit (dtype 2 B)
  CalibratedValue forward_bytes_per_hidden;        // per token per hidden unit (dtype 2 B)
  CalibratedValue moe_forward_bytes;       // fused-MoE workspace: x tokens x top_k x (3 I/tp + H) x dtype
  CalibratedValue vllm_kernel_factor;      // fused kernels keep less alive than plain PyTorch
  CalibratedValue persist_gib;             // workspaces allocated during the profile run
  // Non-torch (§5).
  CalibratedValue non_torch_tp1_gib;       // v0.18+, TP = 1
  CalibratedValue non_torch_tp1_pre018_gib;// v0.8-v0.17, TP = 1
  CalibratedValue non_torch_pp_gib;        // TP = 1 with PP > 1
  CalibratedValue non_torch_tpn_gib;       // v0.11+, TP > 1 on NVLink (FlashInfer AR fusion era)
  CalibratedValue non_torch_tpn_pcie_gib;  // v0.11+, TP > 1 without NVLink
  CalibratedValue non_torch_legacy_tp1_gib;// < 0.11
  CalibratedValue non_torch_legacy_tpn_gib;// < 0.11, NCCL inside the budget
  CalibratedValue non_torch_amd_tp1_gib;
  CalibratedValue non_torch_amd_tpn_gib;
  CalibratedValue cuda_context_gib;        // charged only in eras E1/E2/E4
  CalibratedValue nccl_init_gib;           // NCCL communicators at TP/PP > 1, before the snapshot
  // CUDA graphs (§7).
  CalibratedValue graph_pool_factor;       // pool = factor x forward bytes of the largest capture
  CalibratedValue piecewise_graph_mib;     // per piecewise graph (one piece of one size)
  CalibratedValue full_graph_mib_per_layer;// per FULL decode graph, per layer
  CalibratedValue amd_graph_factor;        // ROCm graphs are larger
  CalibratedValue graph_fixed_gib;         // workspaces created during capture
  CalibratedValue rocm_redhat_bf16_expert_overhead;  // +rhai builds on ROCm
  CalibratedValue graph_moe_layer_weight;  // a MoE layer's pieces hold more kernels
  CalibratedValue graph_mla_layer_weight;  // so do MLA layers
};

const Calibration& calibration();
Calibration parse_calibration(std::string_view json_text);

}  // namespace headroom
