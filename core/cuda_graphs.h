#pragma once
// CUDA-graph memory (docs/vllm-memory-model.md §7): graphs are captured largest batch first
// into one shared pool, so the pool follows the largest capture size; on top of that every
// captured graph costs a fixed amount, so the total also follows the number of graphs
// (capture sizes x pieces per size in piecewise mode, plus FULL decode graphs).
#include <cstdint>
#include <vector>

#include "core/calibration.h"
#include "core/gpu_catalog.h"
#include "core/model_spec.h"
#include "core/settings.h"
#include "core/term.h"

namespace headroom {

struct CudaGraphEstimate {
  std::vector<int64_t> capture_sizes;  // ascending
  int64_t largest_capture = 0;
  int64_t pieces_per_size = 0;         // piecewise graphs per capture size
  int64_t piecewise_graphs = 0;        // capture sizes in PIECEWISE mode
  int64_t full_graphs = 0;             // FULL uniform-decode graphs
  int64_t graphs_total = 0;            // every captured CUDA graph (pieces counted)
  double pool_bytes = 0;
  double fixed_bytes = 0;              // workspaces created during capture
  double layer_weight = 0;             // sum over the stage's layers of their kernel weight
  double per_piece_bytes = 0;
  double per_full_graph_bytes = 0;
  double total_bytes = 0;
  bool captured = true;                // false with enforce_eager
  bool subtracted_from_budget = false; // E8 on CUDA
  std::string mode;                    // "FULL_AND_PIECEWISE", "PIECEWISE", "V0 decode", "NONE"
};

// vLLM's capture-size list for these settings and version.
std::vector<int64_t> capture_sizes(const Resolved& s);

CudaGraphEstimate estimate_cuda_graphs(const ModelSpec& m, const Resolved& s, const Gpu& gpu, const Calibration& k,
                                       int64_t first_layer, int64_t stage_layers);
Term cuda_graph_term(const CudaGraphEstimate& g, const Calibration& k, const Gpu& gpu);

}  // namespace headroom
