#include "core/multimodal_profile.h"

#include <algorithm>

namespace headroom {
namespace {

// One dummy item of the profiled modality: how vLLM counts it against the encoder budget,
// how many embedding rows the encoder returns for it, and its pixel tensor's element count.
struct DummyItem {
  std::string modality;
  int64_t tokens = 0;
  int64_t rows = 0;
  double pixel_elements = 0;
};

// Sources: vLLM's model files (qwen2_vl.py, qwen3_vl.py, gemma3_mm.py, mllama4.py) and the
// processors' default sizes; versions from the pull requests named.
DummyItem dummy_item(const VisionShape& v, const Resolved& s) {
  const double patch_elements = static_cast<double>(v.channels * v.temporal_patch * v.patch_size * v.patch_size);
  const int64_t per_token_patches = v.merge * v.merge;
  DummyItem d;
  switch (v.family) {
    case VisionFamily::kQwen2Vl: {
      // The largest image (max_pixels 12845056 = 3584^2): 16384 tokens at 14 px patches and
      // 2 x 2 merging. A video is 2-frame steps of that size, at most 7 (14 frames), as many as
      // fit in a max_model_len prompt. Choosing the modality, vLLM sizes the video beside one
      // image (max_model_len - 16384 left for it); the dummy video is then built alone, so it
      // gets one step more than it was counted with. Ties go to the image before v0.17 (the
      // first modality listed) and to the video from v0.17 (#34533 orders ties by name).
      const int64_t image = std::max<int64_t>(1, 12845056 / (v.patch_size * v.patch_size) / per_token_patches);
      const int64_t counted_steps = std::clamp<int64_t>((s.max_model_len - image) / image, 1, 7);
      const int64_t built_steps = std::clamp<int64_t>(s.max_model_len / image, 1, 7);
      const bool video = counted_steps > 1 || s.rules.version.at_least(0, 17, 0);
      d.modality = video ? "video" : "image";
      d.tokens = video ? image * counted_steps : image;
      d.rows = video ? image * built_steps : image;
      d.pixel_elements = static_cast<double>(d.rows * per_token_patches) * patch_elements;
      break;
    }
    case VisionFamily::kQwen3Vl: {
      if (!s.rules.version.at_least(0, 13, 0)) {
        // v0.11-v0.12 profiled a dummy video of 24576 tiny frames: 12288 embeddings that the
        // budget counted as 153600 tokens (x 12.5), removed by #30475 (Dec 2025).
        d.modality = "video";
        d.tokens = 153600;
        d.rows = 12288;
      } else {
        // The largest image (longest_edge 16777216 = 4096^2): 16384 tokens at 16 px patches.
        d.modality = "image";
        d.tokens = d.rows = 16777216 / (v.patch_size * v.patch_size) / per_token_patches;
      }
      d.pixel_elements = static_cast<double>(d.rows * per_token_patches) * patch_elements;
      break;
    }
    case VisionFamily::kGemma3: {
      // One image per item, pan-and-scan off: mm_tokens_per_image embeddings.
      const int64_t side = v.image_size > 0 ? v.image_size : 896;
      d.modality = "image";
      d.tokens = d.rows = v.tokens_per_image > 0 ? v.tokens_per_image : 256;
      d.pixel_elements = static_cast<double>(v.channels * side * side);
      break;
    }
    case VisionFamily::kLlama4: {
      // The dummy image fills 16 tiles plus the global one; each tile gives (side / patch)^2
      // patches, shuffled down by pixel_shuffle_ratio^2: 17 x 144 = 2448 for 336 px tiles.
      const int64_t side = v.image_size > 0 ? v.image_size : 336;
      const int64_t per_tile = static_cast<int64_t>(static_cast<double>((side / v.patch_size) * (side / v.patch_size)) * v.tile_token_ratio);
      d.modality = "image";
      d.tokens = d.rows = 17 * per_tile;
      d.pixel_elements = 17.0 * static_cast<double>(v.channels * side * side);
      break;
    }
    case VisionFamily::kUnknown: break;
  }
  return d;
}

}  // namespace

MultimodalProfile estimate_multimodal_profile(const ModelSpec& m, const Resolved& s, bool first_stage) {
  MultimodalProfile p;
  if (!m.vision || !first_stage) return p;
  if (s.skip_mm_profiling) {
    p.why = "skipped (skip_mm_profiling): no encoder pass in the profile run, and no memory set aside for it";
    return p;
  }
  if (!s.rules.v1) {
    p.why = "the V0 engine's multimodal profiling is not modelled";
    return p;
  }
  const VisionShape& v = *m.vision;
  const DummyItem d = dummy_item(v, s);
  if (d.tokens <= 0) {
    p.why = "the dummy inputs vLLM profiles this model's encoder with are not known here: its encoder pass is not counted";
    return p;
  }
  // Encoder budget and item count (vllm/v1/core/encoder_cache_manager.py, the runner's dummy
  // batch): budget = max(T, tokens per item); items = budget / tokens, at most N requests x
  // items per prompt (max_model_len / tokens, 1 to 999). (Without chunked prefill N would be
  // min(N, T / tokens), but V1, the only engine modelled here, always chunks.)
  const int64_t T = s.max_num_batched_tokens, N = s.max_num_seqs, L = s.max_model_len;
  const int64_t budget = std::max(T, d.tokens);
  const int64_t per_prompt = std::clamp<int64_t>(L / d.tokens, 1, 999);
  p.items = std::max<int64_t>(1, std::min(budget / d.tokens, N * per_prompt));
  p.modality = d.modality;
  p.tokens_per_item = d.tokens;

  const double db = s.dtype_bytes;
  const double row_bytes = static_cast<double>(v.embed_width) * db;
  const double items = static_cast<double>(p.items);
  p.pixel_bytes = items * d.pixel_elements * db;
  p.output_bytes = items * static_cast<double>(d.rows) * row_bytes;
  // v0.11 (#25810) copied each output into a zero buffer of `budget` rows; v0.12 (#29386) of
  // `tokens per item` rows; v0.13 (#30475) caches the outputs as they are. (Read from those
  // pull requests; the one v0.11 log checked has a single item, where both rules agree.)
  const auto& ver = s.rules.version;
  int64_t padded_rows = 0;
  if (ver.at_least(0, 11, 0) && !ver.at_least(0, 12, 0)) padded_rows = budget;
  else if (ver.at_least(0, 12, 0) && !ver.at_least(0, 13, 0)) padded_rows = d.tokens;
  if (padded_rows > d.rows) p.padding_bytes = items * static_cast<double>(padded_rows) * row_bytes;
  p.kept_bytes = p.pixel_bytes + p.output_bytes + p.padding_bytes;
  p.modelled = true;
  p.why = std::to_string(p.items) + " dummy " + d.modality + (p.items == 1 ? "" : "s") + " of " +
          std::to_string(d.tokens) + " tokens (encoder budget " + std::to_string(budget) + "): their pixels" +
          (p.padding_bytes > 0 ? ", encoder outputs and the outputs' zero-padded copies" : " and encoder outputs") +
          " stay alive during the language-model pass; the encoder's own forward peak is assumed below it";
  return p;
}

}  // namespace headroom
