#include "core/calibration.h"

#include "core/embedded_data.h"
#include "core/errors.h"
#include "core/json_fields.h"

namespace headroom {
namespace {

CalibratedValue read(const Json& root, const char* key) {
  const Json* v = first_of(root, {key});
  if (!v || !v->is_object())
    throw InputError(std::string("calibration.") + key, std::string("calibration.json lacks ") + key);
  CalibratedValue c;
  c.value = opt_double(*v, "value", key, -1e6, 1e6).value_or(0);
  c.source = opt_string(*v, "source", key).value_or("");
  return c;
}

}  // namespace

Calibration parse_calibration(std::string_view json_text) {
  const Json root = parse_json_text(json_text, "calibration.json");
  const Json& c = root.at("constants");
  Calibration k;
  k.sampler_bytes_sort = read(c, "sampler_bytes_sort");
  k.sampler_bytes_triton = read(c, "sampler_bytes_triton");
  k.forward_bytes_per_intermediate = read(c, "forward_bytes_per_intermediate");
  k.forward_bytes_per_hidden = read(c, "forward_bytes_per_hidden");
  k.moe_forward_bytes = read(c, "moe_forward_bytes");
  k.vllm_kernel_factor = read(c, "vllm_kernel_factor");
  k.persist_gib = read(c, "persist_gib");
  k.non_torch_tp1_gib = read(c, "non_torch_tp1_gib");
  k.non_torch_tp1_pre018_gib = read(c, "non_torch_tp1_pre018_gib");
  k.non_torch_pp_gib = read(c, "non_torch_pp_gib");
  k.non_torch_tpn_gib = read(c, "non_torch_tpn_gib");
  k.non_torch_tpn_pcie_gib = read(c, "non_torch_tpn_pcie_gib");
  k.non_torch_legacy_tp1_gib = read(c, "non_torch_legacy_tp1_gib");
  k.non_torch_legacy_tpn_gib = read(c, "non_torch_legacy_tpn_gib");
  k.non_torch_amd_tp1_gib = read(c, "non_torch_amd_tp1_gib");
  k.non_torch_amd_tpn_gib = read(c, "non_torch_amd_tpn_gib");
  k.cuda_context_gib = read(c, "cuda_context_gib");
  k.nccl_init_gib = read(c, "nccl_init_gib");
  k.graph_pool_factor = read(c, "graph_pool_factor");
  k.piecewise_graph_mib = read(c, "piecewise_graph_mib");
  k.full_graph_mib_per_layer = read(c, "full_graph_mib_per_layer");
  k.amd_graph_factor = read(c, "amd_graph_factor");
  k.graph_fixed_gib = read(c, "graph_fixed_gib");
  k.rocm_redhat_bf16_expert_overhead = read(c, "rocm_redhat_bf16_expert_overhead");
  k.graph_moe_layer_weight = read(c, "graph_moe_layer_weight");
  k.graph_mla_layer_weight = read(c, "graph_mla_layer_weight");
  return k;
}

const Calibration& calibration() {
  static const Calibration k = parse_calibration(embedded::calibration_json());
  return k;
}

}  // namespace headroom
