#include "core/runtime_overhead.h"

namespace headroom {

Term non_torch_term(const Resolved& s, const Gpu& gpu, const Calibration& k) {
  Term t;
  t.key = "non_torch_gib";
  t.label = "Non-torch memory";
  const bool tp_multi = s.tp > 1;
  const CalibratedValue* c;
  std::string why;
  if (gpu.is_rocm()) {
    c = tp_multi ? &k.non_torch_amd_tpn_gib : &k.non_torch_amd_tp1_gib;
    why = tp_multi ? "ROCm, TP > 1" : "ROCm, TP = 1";
  } else if (s.rules.nccl_in_non_torch && tp_multi) {
    c = &k.non_torch_legacy_tpn_gib;
    why = "before v0.11 NCCL buffers count in non-torch";
  } else if (!s.rules.v1) {
    c = &k.non_torch_legacy_tp1_gib;
    why = "V0 engine, TP = 1";
  } else if (tp_multi) {
    c = gpu.interconnect == "pcie" ? &k.non_torch_tpn_pcie_gib : &k.non_torch_tpn_gib;
    why = gpu.interconnect == "pcie" ? "TP > 1 over PCIe" : "TP > 1 with NVLink (all-reduce workspaces)";
  } else if (s.pp > 1) {
    c = &k.non_torch_pp_gib;
    why = "TP = 1 with pipeline stages";
  } else if (s.rules.version.at_least(0, 18, 0)) {
    c = &k.non_torch_tp1_gib;
    why = "TP = 1, v0.18+";
  } else {
    c = &k.non_torch_tp1_pre018_gib;
    why = "TP = 1, v0.8-v0.17";
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
