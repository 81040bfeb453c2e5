#pragma once
// The accelerator catalogue (models/gpus.json): total memory as the runtime reports it,
// capabilities, and the names people type or tools print.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace headroom {

struct Gpu {
  std::string id;         // catalogue id, e.g. "h100-sxm"
  std::string name;       // as nvidia-smi / torch print it
  std::string vendor;     // "nvidia" or "amd"
  std::vector<std::string> aliases;
  int64_t memory_bytes = 0;
  double memory_gib = 0;
  std::string memory_source;
  std::string compute_capability;
  std::string architecture;
  bool fp8 = false;
  bool fp4 = false;
  bool bf16 = true;
  std::string interconnect;  // nvlink, pcie, xgmi
  bool integrated = false;
  bool is_rocm() const { return vendor == "amd"; }
};

// The catalogue baked into the build.
const std::vector<Gpu>& gpu_catalog();

// Case-insensitive lookup by id, alias or printed name, ignoring spaces, '-' and '_'.
// Throws InputError("gpu", ...) listing close candidates when nothing matches.
const Gpu& find_gpu(std::string_view name);

// Parses a catalogue JSON text (exposed for tests).
std::vector<Gpu> parse_gpu_catalog(std::string_view json_text);

}  // namespace headroom
