#include "core/runtime_overhead.h"

namespace headroom {

Term non_torch_term(const Resolved& s, const Gpu& gpu, const Calibration& k) {
  Term t;
  t.key = "non_torch_gib";
  t.label = "Non-torch memory";
  const bool multi = s.tp * s.pp > 1;
  const CalibratedValue* c;
  std::string why;
  if (gpu.is_rocm()) {
    c = multi ? &k.non_torch_amd_tpn_gib : &k.non_torch_amd_tp1_gib;
    why = multi ? "ROCm, several ranks" : "ROCm, one rank";
  } else if (s.rules.nccl_in_non_torch) {
    c = multi ? &k.non_torch_legacy_tpn_gib : &k.non_torch_legacy_tp1_gib;
    why = multi ? "before v0.11 NCCL buffers count in non-torch" : "before v0.11, one rank";
  } else if (multi) {
    c = gpu.interconnect == "pcie" ? &k.non_torch_tpn_pcie_gib : &k.non_torch_tpn_gib;
    why = gpu.interconnect == "pcie" ? "TP/PP > 1 over PCIe" : "TP/PP > 1 with NVLink (all-reduce workspaces)";
  } else {
    c = &k.non_torch_tp1_gib;
    why = "one rank, v0.11+ (NCCL outside the budget)";
  }
  t.value = c->value;
  t.calibration = c->source;
  if (s.rules.context_in_non_torch) {
    t.value += k.cuda_context_gib.value;
    why += "; this era also charges the CUDA context";
    t.calibration += "; CUDA context " + std::to_string(k.cuda_context_gib.value) + " GiB (" + k.cuda_context_gib.source + ")";
  }
  t.formula = "calibrated by GPU vendor, interconnect, TP/PP and vLLM version (" + why + ")";
  t.inputs = {{"tensor_parallel_size", s.tp}, {"pipeline_parallel_size", s.pp}, {"interconnect", gpu.interconnect},
              {"vendor", gpu.vendor}};
  return t;
}

}  // namespace headroom
