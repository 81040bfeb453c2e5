#include "core/quantization.h"

#include <algorithm>
#include <cctype>

#include "core/errors.h"

namespace headroom {
namespace {

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

double QuantSpec::linear_bytes(int64_t out, int64_t in, int dtype_bytes) const {
  const double n = static_cast<double>(out) * static_cast<double>(in);
  switch (method) {
    case QuantMethod::kNone:
      return n * dtype_bytes;
    case QuantMethod::kFp8PerTensor:
      return n + 8.0;  // weight_scale + input_scale, fp32 each
    case QuantMethod::kFp8PerChannel:
    case QuantMethod::kInt8:
      return n + 4.0 * out;
    case QuantMethod::kFp8Block:
      return n + 4.0 * cdiv(out, group_size) * cdiv(in, group_size);
    case QuantMethod::kInt4Group: {
      const double groups = static_cast<double>(cdiv(in, group_size)) * out;
      double b = n / 2.0 + 2.0 * groups;      // packed int4 + fp16 scales
      if (zero_points) b += groups / 2.0;      // packed int4 zeros
      if (act_order) b += 4.0 * in;            // g_idx
      return b;
    }
    case QuantMethod::kBnb4:
      // 4-bit payload + one absmax per 64 weights (fp32, or 8-bit with double quantisation).
      return n / 2.0 + (double_quant ? n / 64.0 : 4.0 * n / 64.0);
    case QuantMethod::kMxfp4:
      return n / 2.0 + n / 32.0;  // e8m0 scale per 32
    case QuantMethod::kNvfp4:
      return n / 2.0 + n / 16.0 + 8.0;  // fp8 scale per 16 + global scales
  }
  return n * dtype_bytes;
}

double QuantSpec::expert_bytes(int64_t experts, int64_t out, int64_t in, int dtype_bytes) const {
  return static_cast<double>(experts) * linear_bytes(out, in, dtype_bytes);
}

double QuantSpec::nominal_bytes_per_param() const {
  return linear_bytes(4096, 4096, 2) / (4096.0 * 4096.0);
}

QuantSpec quant_from_name(const std::string& raw, const std::string& field) {
  const std::string name = lower(raw);
  QuantSpec q;
  q.name = name;
  if (name.empty() || name == "none") {
    q.name = "none";
    return q;
  }
  if (name == "fp8" || name == "modelopt" || name == "ptpc_fp8") {
    q.method = QuantMethod::kFp8PerTensor;
    q.bits = 8;
  } else if (name == "fbgemm_fp8" || name == "fp8_channel") {
    q.method = QuantMethod::kFp8PerChannel;
    q.bits = 8;
  } else if (name == "fp8_block") {
    q.method = QuantMethod::kFp8Block;
    q.bits = 8;
  } else if (name == "int8" || name == "w8a8" || name == "experts_int8" || name == "smoothquant") {
    q.method = QuantMethod::kInt8;
    q.bits = 8;
  } else if (name == "awq" || name == "awq_marlin") {
    q.method = QuantMethod::kInt4Group;
    q.bits = 4;
    q.zero_points = true;
  } else if (name == "gptq" || name == "gptq_marlin" || name == "w4a16" || name == "auto-round" ||
             name == "auto_round") {
    q.method = QuantMethod::kInt4Group;
    q.bits = 4;
  } else if (name == "bitsandbytes" || name == "bnb" || name == "nf4") {
    q.method = QuantMethod::kBnb4;
    q.bits = 4;
  } else if (name == "mxfp4") {
    q.method = QuantMethod::kMxfp4;
    q.bits = 4;
  } else if (name == "nvfp4" || name == "modelopt_fp4") {
    q.method = QuantMethod::kNvfp4;
    q.bits = 4;
  } else {
    throw InputError(field, field + ": unknown quantization \"" + raw +
                                "\" (known: fp8, fbgemm_fp8, int8, awq, gptq, w4a16, "
                                "bitsandbytes, mxfp4, nvfp4, compressed-tensors, modelopt)");
  }
  return q;
}

}  // namespace headroom
