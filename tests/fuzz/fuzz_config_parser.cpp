// libFuzzer target: arbitrary bytes as a pasted config.json.
// The parser's contract (core/model_config.h): a usable ModelSpec, or an InputError that names a
// field. Any other exception, a sanitizer report, or a spec with impossible shapes is a finding.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/errors.h"
#include "core/model_config.h"
#include "core/weights.h"

namespace {

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_config_parser: %s\n", what);
  std::abort();
}

// What every consumer of a ModelSpec relies on (divisions, loops, array sizes).
void check_spec(const headroom::ModelSpec& m) {
  if (m.hidden_size <= 0) finding("hidden_size <= 0 accepted");
  if (m.layers.empty()) finding("no layers accepted");
  if (m.vocab_size <= 0) finding("vocab_size <= 0 accepted");
  if (m.attn.num_heads <= 0 || m.attn.num_kv_heads <= 0) finding("zero heads accepted");
  if (m.attn.num_heads % m.attn.num_kv_heads != 0) finding("heads not a multiple of KV heads");
  if (m.attn.head_dim <= 0) finding("head_dim <= 0 accepted");
  if (m.max_position_embeddings <= 0) finding("max_position_embeddings <= 0");
  if (m.dtype != "bfloat16" && m.dtype != "float16" && m.dtype != "float32") finding("odd dtype");
  const double params = headroom::total_parameters(m);
  if (!std::isfinite(params) || params <= 0) finding("parameter count not finite and positive");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    check_spec(headroom::parse_model_config(text));
  } catch (const headroom::InputError& e) {
    if (e.field().empty()) finding("InputError without a field");
    if (std::string_view(e.what()).empty()) finding("InputError without a message");
  }
  return 0;
}
