#include "core/settings.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/errors.h"

namespace headroom {
namespace {

constexpr int64_t kMaxLen = int64_t{1} << 27;  // 134M tokens: beyond any model's context

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string req_string(const Json& j, const char* key, const std::string& fallback) {
  return opt_string(j, key, "").value_or(fallback);
}

// "9.0", "10.0": compared as numbers, not strings (0 when the catalogue gives none).
double compute_capability(const Gpu& gpu) { return std::atof(gpu.compute_capability.c_str()); }

}  // namespace

EngineRequest parse_engine_request(const Json& j) {
  if (!j.is_object()) throw InputError("request", "the request must be a JSON object");
  EngineRequest r;
  if (const Json* obj = first_of(j, {"config"}); obj && obj->is_object()) r.config_text = obj->dump();
  else if (auto c = opt_string(j, "config", "")) r.config_text = *c;
  if (auto m = opt_string(j, "model", "")) r.model_name = *m;
  if (r.config_text.empty() && r.model_name.empty())
    throw InputError("config", "config: paste a config.json or pick a bundled model");
  r.gpu = req_string(j, "gpu", r.gpu);
  r.tensor_parallel_size = opt_int(j, "tensor_parallel_size", "", 1, 1024).value_or(1);
  r.pipeline_parallel_size = opt_int(j, "pipeline_parallel_size", "", 1, 1024).value_or(1);
  r.max_model_len = opt_int(j, "max_model_len", "", 1, kMaxLen);
  r.max_num_seqs = opt_int(j, "max_num_seqs", "", 1, 1 << 20);
  r.max_num_batched_tokens = opt_int(j, "max_num_batched_tokens", "", 1, kMaxLen);
  r.block_size = opt_int(j, "block_size", "", 1, 1 << 16);
  if (r.block_size && (*r.block_size & (*r.block_size - 1)) != 0 && *r.block_size % 16 != 0)
    throw InputError("block_size", "block_size = " + std::to_string(*r.block_size) +
                                       ": vLLM block sizes are powers of two or multiples of 16 (e.g. 16, 32, 64, 128)");
  r.gpu_memory_utilization = opt_double(j, "gpu_memory_utilization", "", 0.0, 1.0);
  if (r.gpu_memory_utilization && *r.gpu_memory_utilization <= 0.0)
    throw InputError("gpu_memory_utilization", "gpu_memory_utilization must be greater than 0 and at most 1");
  r.kv_cache_memory_gib = opt_double(j, "kv_cache_memory_gib", "", 0.0, 1e6);
  r.gpu_memory_gib = opt_double(j, "gpu_memory_gib", "", 0.5, 1e5);
  r.kv_cache_dtype = lower(req_string(j, "kv_cache_dtype", "auto"));
  r.dtype = lower(req_string(j, "dtype", "auto"));
  if (auto q = opt_string(j, "quantization", ""); q && !q->empty() && lower(*q) != "none") r.quantization = lower(*q);
  r.enforce_eager = opt_bool(j, "enforce_eager", "").value_or(false);
  r.skip_mm_profiling = opt_bool(j, "skip_mm_profiling", "").value_or(false);
  r.vllm_version = req_string(j, "vllm_version", "");
  r.entrypoint = lower(req_string(j, "entrypoint", "serve"));
  if (r.entrypoint != "serve" && r.entrypoint != "llm")
    throw InputError("entrypoint", "entrypoint must be \"serve\" (vllm serve) or \"llm\" (the LLM class)");
  if (const Json* o = first_of(j, {"calibration_override"}); o && o->is_object()) {
    CalibrationOverride ov;
    ov.activation_gib = opt_double(*o, "activation_gib", "calibration_override", -1e3, 1e4);
    ov.non_torch_gib = opt_double(*o, "non_torch_gib", "calibration_override", -1e3, 1e4);
    ov.cudagraph_gib = opt_double(*o, "cudagraph_gib", "calibration_override", -1e3, 1e4);
    ov.weights_gib = opt_double(*o, "weights_gib", "calibration_override", 0, 1e5);
    ov.source = opt_string(*o, "source", "calibration_override").value_or("a pasted vLLM log");
    r.calibration_override = ov;
  }
  return r;
}

Resolved resolve_settings(const EngineRequest& req, const ModelSpec& model, const Gpu& gpu,
                          std::vector<std::string>& notes) {
  Resolved s;
  s.rules = rules_for(req.vllm_version);
  for (const auto& n : s.rules.notes) notes.push_back(n);
  const VersionRules& R = s.rules;
  s.tp = req.tensor_parallel_size;
  s.pp = req.pipeline_parallel_size;
  s.enforce_eager = req.enforce_eager;
  s.skip_mm_profiling = req.skip_mm_profiling;
  if (s.skip_mm_profiling && !R.version.at_least(0, 10, 1))
    throw InputError("skip_mm_profiling", "skip_mm_profiling: vLLM " + R.version.text +
                                              " has no --skip-mm-profiling (it arrived around 0.10.1: pull request #22950, August 2025)");
  s.entrypoint = req.entrypoint;

  // dtype: "auto" takes the config's; fp32 checkpoints are served in bf16 (fp16 on GPUs without bf16).
  if (req.dtype == "auto") {
    s.dtype = model.dtype;
    if (s.dtype == "float32") {
      s.dtype = gpu.bf16 ? "bfloat16" : "float16";
      notes.push_back("dtype auto: the float32 checkpoint is served in " + s.dtype + ", as vLLM does");
    }
  } else if (req.dtype == "bfloat16" || req.dtype == "bf16") s.dtype = "bfloat16";
  else if (req.dtype == "float16" || req.dtype == "half" || req.dtype == "fp16") s.dtype = "float16";
  else if (req.dtype == "float32" || req.dtype == "float") s.dtype = "float32";
  else throw InputError("dtype", "dtype = \"" + req.dtype + "\": use auto, bfloat16, float16 or float32");
  if (s.dtype == "bfloat16" && !gpu.bf16) {
    s.dtype = "float16";
    notes.push_back(gpu.name + " has no bfloat16: vLLM casts the model to float16 (same size)");
  }
  s.dtype_bytes = s.dtype == "float32" ? 4 : 2;

  // KV cache dtype.
  const std::string kv = req.kv_cache_dtype;
  if (kv == "auto") {
    if (model.quant.kv_fp8_from_checkpoint && s.rules.version.at_least(0, 14, 0)) {
      s.kv_cache_dtype = "fp8";
      s.kv_bytes = 1;
      notes.push_back("kv_cache_dtype auto: the ModelOpt checkpoint asks for an FP8 KV cache");
    } else {
      s.kv_cache_dtype = s.dtype;
      s.kv_bytes = s.dtype_bytes;
    }
  } else if (kv == "fp8" || kv == "fp8_e4m3" || kv == "fp8_e5m2" || kv == "fp8_inc") {
    s.kv_cache_dtype = kv;
    s.kv_bytes = 1;
  } else if (kv == "bfloat16" || kv == "float16" || kv == "half") {
    s.kv_cache_dtype = kv == "half" ? "float16" : kv;
    s.kv_bytes = 2;
  } else if (kv == "float32") {
    s.kv_cache_dtype = kv;
    s.kv_bytes = 4;
  } else {
    throw InputError("kv_cache_dtype", "kv_cache_dtype = \"" + kv + "\": use auto, fp8, fp8_e4m3, fp8_e5m2, bfloat16 or float16");
  }

  // Parallelism legality (vLLM raises for these at start-up).
  if (model.attn.num_heads % s.tp != 0 && !model.mla)
    throw InputError("tensor_parallel_size", "tensor_parallel_size = " + std::to_string(s.tp) +
                                                 ": the model's " + std::to_string(model.attn.num_heads) +
                                                 " attention heads are not divisible by it");
  if (model.mla && model.attn.num_heads % s.tp != 0)
    throw InputError("tensor_parallel_size", "tensor_parallel_size = " + std::to_string(s.tp) +
                                                 " does not divide the " + std::to_string(model.attn.num_heads) + " attention heads");
  if (model.attn.num_kv_heads >= s.tp && model.attn.num_kv_heads % s.tp != 0 && !model.mla)
    throw InputError("tensor_parallel_size", "tensor_parallel_size = " + std::to_string(s.tp) + " does not divide the " +
                                                 std::to_string(model.attn.num_kv_heads) + " KV heads");
  if (model.attn.num_kv_heads < s.tp && s.tp % model.attn.num_kv_heads != 0 && !model.mla)
    throw InputError("tensor_parallel_size", "tensor_parallel_size = " + std::to_string(s.tp) +
                                                 " is not a multiple of the " + std::to_string(model.attn.num_kv_heads) +
                                                 " KV heads (needed to replicate them)");
  if (s.pp > model.num_layers())
    throw InputError("pipeline_parallel_size", "pipeline_parallel_size = " + std::to_string(s.pp) +
                                                   " exceeds the model's " + std::to_string(model.num_layers()) + " layers");

  // max_model_len: the model's own limit unless set.
  s.max_model_len = req.max_model_len.value_or(model.max_position_embeddings);
  s.max_model_len_defaulted = !req.max_model_len;
  if (req.max_model_len && *req.max_model_len > model.max_position_embeddings)
    notes.push_back("max_model_len " + std::to_string(*req.max_model_len) + " exceeds the model's " +
                    std::to_string(model.max_position_embeddings) +
                    " positions: vLLM refuses it unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1");

  s.gpu_memory_utilization = req.gpu_memory_utilization.value_or(R.default_utilization);

  // Batch defaults (§4.2).
  int64_t T = 0, N = 0;
  const bool big_gpu = gpu.memory_gib >= 70.0 && lower(gpu.name).find("a100") == std::string::npos &&
                       lower(gpu.id).find("a100") == std::string::npos;
  if (R.v1) {
    const bool by_memory = R.version.at_least(0, 8, 5);
    const bool named_h = lower(gpu.name).find("h100") != std::string::npos || lower(gpu.name).find("h200") != std::string::npos;
    const bool large = by_memory ? (R.version.at_least(0, 9, 0) ? big_gpu : gpu.memory_gib >= 70.0) : named_h;
    T = large ? (s.entrypoint == "llm" ? 16384 : 8192) : (s.entrypoint == "llm" ? 8192 : 2048);
    N = (large || !R.version.at_least(0, 8, 4)) ? 1024 : 256;
    s.chunked_prefill = true;
  } else {
    N = 256;
    s.chunked_prefill = s.max_model_len > 32768 && !model.is_multimodal() && !model.mla;
    T = s.chunked_prefill ? (R.version.at_least(0, 6, 5) ? 2048 : 512) : std::max<int64_t>(s.max_model_len, 2048);
    if (model.is_multimodal()) T = std::max<int64_t>(T, 5120);
  }
  if (!req.max_num_batched_tokens) {
    if (!s.chunked_prefill) T = std::max(T, s.max_model_len);
    const int64_t n_for_cap = req.max_num_seqs.value_or(N);
    if (R.v1) T = std::min(T, n_for_cap * s.max_model_len);
  }
  s.max_num_batched_tokens = req.max_num_batched_tokens.value_or(T);
  s.max_num_seqs = req.max_num_seqs.value_or(std::min(N, s.max_num_batched_tokens));
  if (!s.chunked_prefill && s.max_num_batched_tokens < s.max_model_len)
    throw InputError("max_num_batched_tokens", "max_num_batched_tokens (" + std::to_string(s.max_num_batched_tokens) +
                                                   ") is smaller than max_model_len (" + std::to_string(s.max_model_len) +
                                                   ") and chunked prefill is off");
  if (s.max_num_batched_tokens < s.max_num_seqs && req.max_num_batched_tokens && req.max_num_seqs)
    throw InputError("max_num_batched_tokens", "max_num_batched_tokens (" + std::to_string(s.max_num_batched_tokens) +
                                                   ") must be at least max_num_seqs (" + std::to_string(s.max_num_seqs) + ")");

  // Block size: 16 unless the attention backend needs more (§6.2). Sparse MLA (DeepSeek-V3.2)
  // runs on FlashMLA-sparse (64); dense MLA on Hopper uses FlashAttention-MLA (16) from v0.11,
  // FlashMLA (64) before; Blackwell prefers FlashInfer-MLA (32).
  if (req.block_size) s.block_size = *req.block_size;
  else if (model.mla && R.v1 && gpu.vendor == "nvidia") {
    const bool sparse = model.mla->index_n_heads > 0;
    const double cc = compute_capability(gpu);
    const bool blackwell = cc >= 10.0;
    const bool hopper_up = cc >= 9.0;
    if (sparse) s.block_size = 64;
    else if (blackwell) s.block_size = 32;
    else if (hopper_up && !R.version.at_least(0, 11, 0)) s.block_size = 64;
    else s.block_size = 16;
    if (s.block_size != 16)
      notes.push_back("block size " + std::to_string(s.block_size) + ": the MLA attention backend vLLM picks on " + gpu.name +
                      " needs it (assumed from the backend priority; pass --block-size to override)");
  } else s.block_size = 16;

  // Sparse MLA with an fp8 KV cache: FlashMLA-sparse converts it to DeepSeek's fp8_ds_mla
  // layout; FlashInfer's sparse MLA keeps plain fp8. vLLM prefers FlashInfer's for an fp8 cache
  // since b36adfa34 (2026-03-17, v0.18), and it runs on compute capability 10.x only (B200,
  // GB200, B300); Hopper and the 12.x cards use FlashMLA-sparse.
  if (model.mla && model.mla->index_n_heads > 0 && s.kv_bytes == 1) {
    const double cc = compute_capability(gpu);
    const bool sm100 = gpu.vendor == "nvidia" && cc >= 10.0 && cc < 11.0;
    s.fp8_ds_mla = !(sm100 && R.version.at_least(0, 18, 0));
    notes.push_back(s.fp8_ds_mla ? "fp8 KV cache in DeepSeek's fp8_ds_mla layout (656 B per token and layer)"
                                 : "fp8 KV cache in plain fp8 (576 B per token and layer): vLLM runs FlashInfer's sparse "
                                   "MLA on " + gpu.name + " for an fp8 cache");
  }
  return s;
}

}  // namespace headroom
