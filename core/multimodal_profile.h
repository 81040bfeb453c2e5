#pragma once
// The multimodal part of vLLM's profile run (docs/vllm-memory-model.md §4.1). Before the
// language-model dummy batch, V1 runs the vision encoder on dummy items of the modality with
// the most tokens per item, and keeps its inputs and outputs alive until the profile run
// ends: they add to the activation peak. Known for the families in VisionFamily; for others
// the estimate says it is not modelled.
#include <cstdint>
#include <string>

#include "core/model_spec.h"
#include "core/settings.h"

namespace headroom {

struct MultimodalProfile {
  bool modelled = false;
  std::string modality;          // "image" or "video"
  int64_t tokens_per_item = 0;   // as vLLM counts them for the encoder budget
  int64_t items = 0;             // dummy items in the one encoder batch
  double pixel_bytes = 0;        // the batched pixel tensor, in the model dtype
  double output_bytes = 0;       // the encoder outputs kept in the encoder cache
  double padding_bytes = 0;      // v0.11-v0.12: each output copied into a zero-padded buffer
  double kept_bytes = 0;         // all of the above: alive during the language-model pass
  std::string why;               // the dummy batch in words, or why it is not modelled
};

// Nothing for text-only models, V0 or pipeline stages other than the first.
MultimodalProfile estimate_multimodal_profile(const ModelSpec& m, const Resolved& s, bool first_stage);

}  // namespace headroom
