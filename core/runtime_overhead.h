#pragma once
// Non-torch memory charged to the KV budget (docs/vllm-memory-model.md §5): cuBLAS handles,
// lazily loaded kernels, NCCL buffers (inside the budget only before v0.11), all-reduce
// workspaces at TP > 1, and the CUDA context in the eras that charged it.
#include "core/calibration.h"
#include "core/gpu_catalog.h"
#include "core/settings.h"
#include "core/term.h"

namespace headroom {

Term non_torch_term(const Resolved& s, const Gpu& gpu, const Calibration& k);

}  // namespace headroom
