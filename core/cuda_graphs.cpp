#include "core/cuda_graphs.h"

#include <algorithm>

#include "core/activation.h"

namespace headroom {

std::vector<int64_t> capture_sizes(const Resolved& s) {
  const VersionRules& R = s.rules;
  const int64_t N = s.max_num_seqs, T = s.max_num_batched_tokens;
  std::vector<int64_t> out;
  if (!R.v1) {  // V0: decode graphs up to pad8(N)
    const int64_t cap = std::min<int64_t>((N + 7) / 8 * 8, R.version.at_least(0, 6, 0) ? 8192 : 256);
    for (int64_t v : {1, 2, 4})
      if (v <= cap) out.push_back(v);
    for (int64_t v = 8; v <= cap; v += 8) out.push_back(v);
    return out;
  }
  int64_t max_cg = R.v1_capture_from_2n ? std::min<int64_t>(2 * N, 512) : 512;
  max_cg = std::min(max_cg, T);
  for (int64_t v : {1, 2, 4})
    if (v <= max_cg) out.push_back(v);
  if (R.capture_list_256_step16) {
    for (int64_t v = 8; v < std::min<int64_t>(max_cg + 1, 256); v += 8) out.push_back(v);
    for (int64_t v = 256; v <= max_cg; v += 16) out.push_back(v);
  } else {
    for (int64_t v = 8; v <= max_cg; v += 8) out.push_back(v);
  }
  return out;
}

CudaGraphEstimate estimate_cuda_graphs(const ModelSpec& m, const Resolved& s, const Gpu& gpu, const Calibration& k,
                                       int64_t first_layer, int64_t stage_layers) {
  CudaGraphEstimate g;
  if (s.enforce_eager) {
    g.captured = false;
    g.mode = "NONE";
    return g;
  }
  g.capture_sizes = capture_sizes(s);
  if (g.capture_sizes.empty()) {
    g.captured = false;
    g.mode = "NONE";
    return g;
  }
  g.largest_capture = g.capture_sizes.back();
  const double vendor = gpu.is_rocm() ? k.amd_graph_factor.value : 1.0;
  const int64_t sizes = static_cast<int64_t>(g.capture_sizes.size());

  // Kernel weight of the stage's layers: MoE and MLA layers launch more kernels per piece.
  int64_t attn_like = 0;
  for (int64_t i = first_layer; i < first_layer + stage_layers && i < m.num_layers(); ++i) {
    const LayerSpec& l = m.layers[static_cast<size_t>(i)];
    double w = 1.0;
    if (l.ffn == Ffn::kMoe) w *= k.graph_moe_layer_weight.value;
    if (l.mixer == Mixer::kMla) w *= k.graph_mla_layer_weight.value;
    g.layer_weight += w;
    if (l.mixer != Mixer::kNone) ++attn_like;
  }

  if (!s.rules.v1) {
    g.mode = "V0 decode";  // one whole-model decode graph per size; prefill runs eagerly
    g.full_graphs = sizes;
  } else {
    g.mode = s.rules.full_and_piecewise ? "FULL_AND_PIECEWISE" : "PIECEWISE";
    g.pieces_per_size = attn_like + 1;  // one graph per piece between attention-like layers
    g.piecewise_graphs = sizes;
    if (s.rules.full_and_piecewise)
      g.full_graphs = static_cast<int64_t>(std::count_if(g.capture_sizes.begin(), g.capture_sizes.end(),
                                                         [&](int64_t c) { return c <= s.max_num_seqs; }));
  }
  g.graphs_total = g.piecewise_graphs * g.pieces_per_size + g.full_graphs;
  const double avg_weight = stage_layers > 0 ? g.layer_weight / static_cast<double>(stage_layers) : 1.0;
  g.pool_bytes = k.graph_pool_factor.value * static_cast<double>(g.largest_capture) * forward_bytes_per_token(m, s, k) * vendor;
  g.fixed_bytes = k.graph_fixed_gib.value * kGiB * vendor;
  g.per_piece_bytes = k.piecewise_graph_mib.value * kMiB * avg_weight * vendor;
  g.per_full_graph_bytes = k.full_graph_mib_per_layer.value * kMiB * g.layer_weight * vendor;
  g.total_bytes = g.fixed_bytes + g.pool_bytes +
                  g.per_piece_bytes * static_cast<double>(g.piecewise_graphs * g.pieces_per_size) +
                  g.per_full_graph_bytes * static_cast<double>(g.full_graphs);
  g.subtracted_from_budget = s.rules.cudagraph_in_budget && !gpu.is_rocm();
  return g;
}

Term cuda_graph_term(const CudaGraphEstimate& g, const Calibration& k, const Gpu& gpu) {
  Term t;
  t.key = "cudagraph_gib";
  t.label = "CUDA graphs";
  t.value = g.total_bytes / kGiB;
  t.formula = g.captured ? "fixed + pool(largest capture) + piecewise graphs x per-piece cost + full graphs x per-graph cost"
                         : "0: enforce_eager captures no graphs";
  t.inputs = {{"mode", g.mode},
              {"capture_sizes", g.capture_sizes.size()},
              {"largest_capture", g.largest_capture},
              {"pieces_per_size", g.pieces_per_size},
              {"piecewise_graphs", g.piecewise_graphs * g.pieces_per_size},
              {"full_graphs", g.full_graphs},
              {"pool_gib", g.pool_bytes / kGiB},
              {"fixed_gib", g.fixed_bytes / kGiB},
              {"per_piece_mib", g.per_piece_bytes / kMiB},
              {"per_full_graph_mib", g.per_full_graph_bytes / kMiB},
              {"subtracted_from_kv_budget", g.subtracted_from_budget}};
  t.calibration = "pool factor " + std::to_string(k.graph_pool_factor.value) + " (" + k.graph_pool_factor.source +
                  "); per piece " + std::to_string(k.piecewise_graph_mib.value) + " MiB (" + k.piecewise_graph_mib.source +
                  "); per full graph " + std::to_string(k.full_graph_mib_per_layer.value) + " MiB/layer (" +
                  k.full_graph_mib_per_layer.source + ")" +
                  (gpu.is_rocm() ? "; ROCm factor " + std::to_string(k.amd_graph_factor.value) : "");
  return t;
}

}  // namespace headroom
