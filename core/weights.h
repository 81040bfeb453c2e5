#pragma once
// Model weights per GPU rank, sharded the way vLLM shards them (docs/vllm-memory-model.md §3):
// this is the "Model loading took X GiB" number.
#include <cstdint>
#include <string>
#include <vector>

#include "core/model_spec.h"
#include "core/quantization.h"

namespace headroom {

struct WeightPart {
  std::string name;  // "embedding", "attention", "mlp", "experts", ...
  double bytes = 0;
};

struct RankWeights {
  int64_t pp_stage = 0;
  int64_t first_layer = 0, num_layers = 0;  // decoder layers held by this stage
  std::vector<WeightPart> parts;
  double total_bytes() const;
};

// Layers of each pipeline stage, as vLLM's get_pp_indices splits them (remainder to the
// stages before the last).
std::vector<int64_t> pp_layer_counts(int64_t num_layers, int64_t pp);

// The checkpoint's quantisation, or the --quantization flag applied to an unquantised
// checkpoint (online quantisation). Throws InputError("quantization") when they conflict.
QuantSpec effective_quant(const ModelSpec& m, const std::string* flag, std::vector<std::string>& notes);

RankWeights weights_for_stage(const ModelSpec& m, const QuantSpec& q, int dtype_bytes, int64_t tp, int64_t pp,
                              int64_t stage);

// Total parameter count of the whole model (for display), vision included.
double total_parameters(const ModelSpec& m);

}  // namespace headroom
