#pragma once
// Storage of quantised linear layers, in bytes, as vLLM keeps them on the GPU
// (docs/vllm-memory-model.md §3.2). Scales and zero points count.
#include <cstdint>
#include <string>
#include <vector>

namespace headroom {

enum class QuantMethod {
  kNone,
  kFp8PerTensor,   // fp8 / fbgemm_fp8 / modelopt FP8 / compressed-tensors fp8 tensor
  kFp8PerChannel,  // compressed-tensors fp8 channel, fbgemm_fp8
  kFp8Block,       // DeepSeek-style 128x128 blocks
  kInt8,           // W8A8 int8, per-channel scale
  kInt4Group,      // GPTQ / AWQ / compressed-tensors w4a16, group g
  kBnb4,           // bitsandbytes nf4/fp4
  kMxfp4,          // OCP MXFP4 (gpt-oss experts)
  kNvfp4,          // NVFP4 (ModelOpt, compressed-tensors)
};

struct QuantSpec {
  QuantMethod method = QuantMethod::kNone;
  std::string name = "none";   // what the config or flag called it
  int64_t group_size = 128;    // int4 group / fp8 block edge
  int bits = 16;
  bool zero_points = false;    // asymmetric int4 (AWQ, GPTQ sym=false)
  bool act_order = false;      // GPTQ desc_act: g_idx of 4 B per input row
  bool double_quant = false;   // bitsandbytes nested absmax
  bool experts_only = false;   // only MoE experts are quantised (gpt-oss MXFP4)
  bool attention_unquantized = false;  // modules_to_not_convert/ignore lists attention
  bool from_flag = false;      // set by --quantization rather than the checkpoint
  bool kv_fp8_from_checkpoint = false;  // ModelOpt kv_cache_quant_algo FP8

  bool quantized() const { return method != QuantMethod::kNone; }
  // Bytes of a [out x in] weight matrix, scales included; dtype_bytes for unquantised.
  double linear_bytes(int64_t out, int64_t in, int dtype_bytes) const;
  // The same for a stack of `experts` identical matrices (MoE experts).
  double expert_bytes(int64_t experts, int64_t out, int64_t in, int dtype_bytes) const;
  // Bytes per parameter at a typical large shape, for display.
  double nominal_bytes_per_param() const;
};


QuantSpec quant_from_name(const std::string& name, const std::string& field);

}  // namespace headroom
