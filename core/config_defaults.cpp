#include "core/config_defaults.h"

#include <map>
#include <string>

namespace headroom {
namespace {

using nlohmann::json;

// Class defaults of transformers' configuration_*.py for the fields Headroom reads.
const std::map<std::string, json, std::less<>>& table() {
  static const std::map<std::string, json, std::less<>> t = {
      {"llama", {{"vocab_size", 32000}, {"hidden_size", 4096}, {"intermediate_size", 11008}, {"num_hidden_layers", 32},
                 {"num_attention_heads", 32}, {"max_position_embeddings", 2048}, {"hidden_act", "silu"}}},
      {"mistral", {{"vocab_size", 32000}, {"hidden_size", 4096}, {"intermediate_size", 14336}, {"num_hidden_layers", 32},
                   {"num_attention_heads", 32}, {"num_key_value_heads", 8}, {"max_position_embeddings", 131072},
                   {"sliding_window", 4096}}},
      {"qwen2", {{"vocab_size", 151936}, {"hidden_size", 4096}, {"intermediate_size", 22016}, {"num_hidden_layers", 32},
                 {"num_attention_heads", 32}, {"num_key_value_heads", 32}, {"max_position_embeddings", 32768}}},
      {"gemma3_text", {{"vocab_size", 262208}, {"hidden_size", 2304}, {"intermediate_size", 9216}, {"num_hidden_layers", 26},
                       {"num_attention_heads", 8}, {"num_key_value_heads", 4}, {"head_dim", 256},
                       {"max_position_embeddings", 131072}, {"sliding_window", 4096}, {"sliding_window_pattern", 6},
                       {"hidden_activation", "gelu_pytorch_tanh"}}},
      {"gemma2", {{"vocab_size", 256000}, {"hidden_size", 2304}, {"intermediate_size", 9216}, {"num_hidden_layers", 26},
                  {"num_attention_heads", 8}, {"num_key_value_heads", 4}, {"head_dim", 256},
                  {"max_position_embeddings", 8192}, {"sliding_window", 4096}}},
      {"siglip_vision_model", {{"hidden_size", 768}, {"intermediate_size", 3072}, {"num_hidden_layers", 12}, {"patch_size", 16}}},
      {"clip_vision_model", {{"hidden_size", 768}, {"intermediate_size", 3072}, {"num_hidden_layers", 12}, {"patch_size", 32}}},
  };
  return t;
}

}  // namespace

const json& transformers_defaults(std::string_view model_type) {
  static const json empty = json::object();
  auto it = table().find(model_type);
  return it == table().end() ? empty : it->second;
}

json with_defaults(const json& section, std::string_view model_type) {
  json out = section;
  if (!out.is_object()) return out;
  for (const auto& [k, v] : transformers_defaults(model_type).items())
    if (!out.contains(k) || out[k].is_null()) out[k] = v;
  return out;
}

}  // namespace headroom
