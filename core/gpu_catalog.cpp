#include "core/gpu_catalog.h"

#include <algorithm>
#include <cctype>

#include "core/embedded_data.h"
#include "core/errors.h"
#include "core/json_fields.h"

namespace headroom {
namespace {

std::string normalise(std::string_view s) {
  std::string out;
  for (unsigned char c : s)
    if (!std::isspace(c) && c != '-' && c != '_') out.push_back(static_cast<char>(std::tolower(c)));
  return out;
}

}  // namespace

std::vector<Gpu> parse_gpu_catalog(std::string_view json_text) {
  const Json root = parse_json_text(json_text, "gpus.json");
  const Json* list = first_of(root, {"gpus"});
  if (!list || !list->is_array()) throw InputError("gpus", "gpus.json has no \"gpus\" list");
  std::vector<Gpu> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& g = (*list)[i];
    const std::string path = "gpus[" + std::to_string(i) + "]";
    Gpu gpu;
    gpu.id = opt_string(g, "id", path).value_or("");
    gpu.name = opt_string(g, "name", path).value_or(gpu.id);
    if (gpu.id.empty()) throw InputError(path + ".id", path + " has no id");
    gpu.vendor = opt_string(g, "vendor", path).value_or("nvidia");
    if (const Json* a = first_of(g, {"aliases"}); a && a->is_array())
      for (const auto& s : *a)
        if (s.is_string()) gpu.aliases.push_back(s.get<std::string>());
    gpu.memory_bytes = opt_int(g, "memory_bytes", path, 1, int64_t{1} << 45).value_or(0);
    gpu.memory_gib = opt_double(g, "memory_gib", path, 0.1, 1e5).value_or(0);
    if (gpu.memory_bytes == 0) gpu.memory_bytes = static_cast<int64_t>(gpu.memory_gib * 1073741824.0);
    if (gpu.memory_gib == 0) gpu.memory_gib = static_cast<double>(gpu.memory_bytes) / 1073741824.0;
    if (gpu.memory_bytes == 0) throw InputError(path + ".memory_bytes", path + " has no memory size");
    gpu.memory_source = opt_string(g, "memory_source", path).value_or("");
    gpu.compute_capability = opt_string(g, "compute_capability", path).value_or("");
    gpu.architecture = opt_string(g, "architecture", path).value_or("");
    gpu.fp8 = opt_bool(g, "fp8", path).value_or(false);
    gpu.fp4 = opt_bool(g, "fp4", path).value_or(false);
    gpu.bf16 = opt_bool(g, "bf16", path).value_or(true);
    gpu.interconnect = opt_string(g, "interconnect", path).value_or("pcie");
    gpu.integrated = opt_bool(g, "integrated", path).value_or(false);
    out.push_back(std::move(gpu));
  }
  return out;
}

const std::vector<Gpu>& gpu_catalog() {
  static const std::vector<Gpu> catalog = parse_gpu_catalog(embedded::gpu_catalog_json());
  return catalog;
}

const Gpu& find_gpu(std::string_view name) {
  const std::string key = normalise(name);
  if (key.empty()) throw InputError("gpu", "gpu: no GPU given (try H100, A100-80GB, L4, MI300X)");
  const auto& cat = gpu_catalog();
  for (const auto& g : cat) {
    if (normalise(g.id) == key || normalise(g.name) == key) return g;
    for (const auto& a : g.aliases)
      if (normalise(a) == key) return g;
  }
  // Near misses: catalogue entries whose id or name contains what was typed.
  std::string hint;
  int shown = 0;
  for (const auto& g : cat) {
    if (shown < 5 && (normalise(g.name).find(key) != std::string::npos || normalise(g.id).find(key) != std::string::npos)) {
      hint += (shown++ ? ", " : "") + g.id;
    }
  }
  std::string shown_name(name.substr(0, 60));
  throw InputError("gpu", "gpu: unknown GPU \"" + shown_name + "\"" +
                              (hint.empty() ? " (see `headroom gpus` for the catalogue)" : "; did you mean " + hint + "?"));
}

}  // namespace headroom
