// Tests for core/gpu_catalog: the names people type and tools print resolve to the right
// entry, unknown names fail naming "gpu", and the catalogue itself is consistent.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "core/errors.h"
#include "core/gpu_catalog.h"
#include "test_helpers.h"

using headroom::find_gpu;
using headroom::gpu_catalog;

TEST_CASE("short names, nvidia-smi names and odd spellings resolve", "[gpu]") {
  struct Case {
    const char* typed;
    const char* id;
  };
  const Case cases[] = {
      {"H100", "h100-sxm"},
      {"h100", "h100-sxm"},
      {"NVIDIA H100 80GB HBM3", "h100-sxm"},
      {"  nvidia h100 80gb hbm3 ", "h100-sxm"},
      {"h100-sxm", "h100-sxm"},
      {"H200", "h200"},
      {"B200", "b200"},
      {"A100-80GB", "a100-sxm4-80gb"},
      {"NVIDIA A100-SXM4-40GB", "a100-sxm4-40gb"},
      {"A100-40GB", "a100-sxm4-40gb"},
      {"AMD Instinct MI300X", "mi300x"},
      {"MI300X", "mi300x"},
      {"mi300x", "mi300x"},
      {"L4", "l4"},
      {"RTX 4090", "rtx-4090"},
      {"NVIDIA GeForce RTX 4090", "rtx-4090"},
      {"rtx_4090", "rtx-4090"},
      {"Tesla T4", "t4"},
  };
  for (const auto& c : cases) {
    INFO("typed \"" << c.typed << "\"");
    CHECK(find_gpu(c.typed).id == c.id);
  }
}

TEST_CASE("unknown GPUs fail naming the gpu field", "[gpu][errors]") {
  for (const char* bad : {"H9000", "", "   ", "NVIDIA", "H100; rm -rf /"}) {
    INFO("typed \"" << bad << "\"");
    CHECK(testutil::input_error_field([&] { find_gpu(bad); }) == "gpu");
  }
  try {
    find_gpu("H9000");
  } catch (const headroom::InputError& e) {
    CHECK(std::string(e.what()).find("H9000") != std::string::npos);  // the message repeats what was typed
  }
}

TEST_CASE("memory is what the runtime reports, not the marketing number", "[gpu]") {
  CHECK(find_gpu("H100").memory_gib == Approx(79.19).margin(0.005));
  CHECK(find_gpu("H100").memory_bytes == 85029158912);
  CHECK(find_gpu("A100-80GB").memory_gib < 80.0);
  CHECK(find_gpu("MI300X").memory_gib < 192.0);
  CHECK(find_gpu("MI300X").is_rocm());
  CHECK_FALSE(find_gpu("H100").is_rocm());
}

TEST_CASE("the catalogue: at least 25 accelerators, unique ids, every alias leads to its own entry", "[gpu]") {
  const auto& cat = gpu_catalog();
  CHECK(cat.size() >= 25);
  std::set<std::string> ids;
  for (const auto& g : cat) {
    INFO(g.id);
    CHECK(ids.insert(g.id).second);
    CHECK(g.memory_bytes > 0);
    CHECK(g.memory_gib == Approx(static_cast<double>(g.memory_bytes) / testutil::kGiB).margin(0.01));
    CHECK_FALSE(g.name.empty());
    CHECK_FALSE(g.memory_source.empty());
    CHECK(find_gpu(g.id).id == g.id);
    CHECK(find_gpu(g.name).id == g.id);
    // An alias shared with an earlier entry would silently resolve to that entry instead.
    for (const auto& alias : g.aliases) {
      INFO("alias \"" << alias << "\"");
      CHECK(find_gpu(alias).id == g.id);
    }
  }
  for (const char* required : {"H100", "H100 PCIe", "H100 NVL", "H200", "B200", "GB200", "A100-40GB", "A100-80GB",
                               "L40S", "L40", "L4", "A10G", "A10", "T4", "V100", "V100 32GB", "RTX 3090", "RTX 4090",
                               "RTX 5090", "RTX A6000", "RTX 6000 Ada", "MI300X", "MI325X", "MI250X"}) {
    INFO(required);
    CHECK_NOTHROW(find_gpu(required));
  }
}
