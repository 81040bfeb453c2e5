#pragma once
// Shared by the unit tests: a decoder small enough to work out by hand, and short ways to run
// the estimator on it (through the C++ entry points or the JSON API).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/api.h"
#include "core/budget.h"
#include "core/errors.h"
#include "core/settings.h"

namespace testutil {

using Json = nlohmann::json;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// A 2-layer Llama-style decoder: hidden 64, 4 query heads and 2 KV heads of head_dim 64/4 = 16,
// SwiGLU intermediate 256, vocabulary 1000 (padded to 1024 in vLLM), 4096 positions, bf16.
inline Json tiny_llama() {
  return Json{{"architectures", {"LlamaForCausalLM"}},
              {"model_type", "llama"},
              {"hidden_size", 64},
              {"intermediate_size", 256},
              {"num_hidden_layers", 2},
              {"num_attention_heads", 4},
              {"num_key_value_heads", 2},
              {"vocab_size", 1000},
              {"max_position_embeddings", 4096},
              {"hidden_act", "silu"},
              {"tie_word_embeddings", false},
              {"torch_dtype", "bfloat16"}};
}

// `base` with the keys of `changes` replaced (a shallow merge, enough for top-level fields).
inline Json with(Json base, const Json& changes) {
  for (const auto& [k, v] : changes.items()) base[k] = v;
  return base;
}

inline headroom::EngineRequest request_for(const Json& config, const std::string& gpu = "H100") {
  headroom::EngineRequest r;
  r.config_text = config.dump();
  r.gpu = gpu;
  return r;
}

inline headroom::EngineRequest bundled_request(const std::string& model, const std::string& gpu = "H100") {
  headroom::EngineRequest r;
  r.model_name = model;
  r.gpu = gpu;
  return r;
}

// Runs api::estimate on a request object and parses the answer.
inline Json api_estimate(const Json& request) { return Json::parse(headroom::api::estimate(request.dump())); }

inline double part_bytes(const headroom::RankWeights& w, const std::string& name) {
  for (const auto& p : w.parts)
    if (p.name == name) return p.bytes;
  return 0.0;
}

// The field named by the InputError `fn` throws, or "" when it throws nothing.
template <typename Fn>
std::string input_error_field(Fn&& fn) {
  try {
    fn();
  } catch (const headroom::InputError& e) {
    return e.field();
  }
  return "";
}

}  // namespace testutil
