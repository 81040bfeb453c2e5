// Tests for core/cuda_graphs: the capture-size lists vLLM builds for each version
// (docs/vllm-memory-model.md §7.1), graph counts per mode (§7.2), enforce_eager, and whether
// the estimate comes out of the KV budget (§7.5).
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/budget.h"
#include "test_helpers.h"

using headroom::CudaGraphEstimate;
using headroom::EngineRequest;
using headroom::Estimate;
using testutil::Json;
using testutil::tiny_llama;

namespace {

const char* const kLlama8b = "meta-llama/Llama-3.1-8B-Instruct";

EngineRequest llama(std::optional<int64_t> max_num_seqs, const std::string& version = "0.19.0") {
  EngineRequest r = testutil::bundled_request(kLlama8b);
  r.max_num_seqs = max_num_seqs;
  r.vllm_version = version;
  r.max_model_len = 8192;
  return r;
}

CudaGraphEstimate graphs(const EngineRequest& r) { return headroom::run_estimate(r).rank().graphs; }

// [1, 2, 4] then multiples of 8 below 256, then multiples of 16 from 256, up to `max`.
std::vector<int64_t> v1_sizes(int64_t max) {
  std::vector<int64_t> out;
  for (int64_t v : {1, 2, 4})
    if (v <= max) out.push_back(v);
  for (int64_t v = 8; v < 256 && v <= max; v += 8) out.push_back(v);
  for (int64_t v = 256; v <= max; v += 16) out.push_back(v);
  return out;
}

}  // namespace

TEST_CASE("v0.19 capture sizes follow min(2 x max_num_seqs, 512)", "[cudagraph]") {
  SECTION("max_num_seqs 1024 (H100 default): 51 sizes up to 512") {
    const auto g = graphs(llama(std::nullopt));
    CHECK(g.capture_sizes.size() == 51);  // 3 + 31 (8..248) + 17 (256..512)
    CHECK(g.largest_capture == 512);
    CHECK(g.capture_sizes == v1_sizes(512));
  }
  SECTION("max_num_seqs 128: 35 sizes up to 256") {
    const auto g = graphs(llama(128));
    CHECK(g.capture_sizes.size() == 35);  // 3 + 31 + [256]
    CHECK(g.largest_capture == 256);
  }
  SECTION("max_num_seqs 64: 19 sizes up to 128") {
    const auto g = graphs(llama(64));
    CHECK(g.capture_sizes.size() == 19);  // 3 + 16 (8..128)
    CHECK(g.largest_capture == 128);
    CHECK(g.capture_sizes == v1_sizes(128));
  }
  SECTION("max_num_batched_tokens below the cap cuts the list: T = 100 keeps 1, 2, 4, 8..96") {
    EngineRequest r = llama(1024);
    r.max_num_batched_tokens = 100;
    r.max_num_seqs = 64;
    const auto g = graphs(r);
    CHECK(g.capture_sizes.size() == 15);  // 3 + 12
    CHECK(g.largest_capture == 96);
  }
}

TEST_CASE("capture sizes of older versions", "[cudagraph][versions]") {
  SECTION("v0.10: step 8 all the way, min(2N, 512): 67 sizes at N = 1024") {
    const auto g = graphs(llama(std::nullopt, "0.10.0"));
    CHECK(g.capture_sizes.size() == 67);  // 3 + 64 (8..512)
    CHECK(g.largest_capture == 512);
  }
  SECTION("v0.9.0: 512 regardless of max_num_seqs") {
    CHECK(graphs(llama(64, "0.9.0")).largest_capture == 512);
  }
  SECTION("V0 (v0.6): decode graphs up to pad8(N): 35 at N = 256") {
    const auto g = graphs(llama(256, "0.6.3"));
    CHECK(g.capture_sizes.size() == 35);  // 1, 2, 4, 8..256
    CHECK(g.mode == "V0 decode");
    CHECK(g.full_graphs == 35);
  }
}

TEST_CASE("graph counts: pieces per size and FULL decode graphs", "[cudagraph]") {
  SECTION("Llama-3.1-8B, N = 1024: 51 piecewise sizes x 33 pieces + 51 FULL graphs") {
    const auto g = graphs(llama(std::nullopt));
    CHECK(g.mode == "FULL_AND_PIECEWISE");
    CHECK(g.piecewise_graphs == 51);
    CHECK(g.pieces_per_size == 32 + 1);  // one piece between each pair of the 32 attention layers
    CHECK(g.full_graphs == 51);          // FULL decode graphs for sizes <= N
    CHECK(g.graphs_total == 51 * 33 + 51);
  }
  SECTION("N = 256: still 51 piecewise sizes, FULL graphs only for sizes <= 256 (35)") {
    const auto g = graphs(llama(256));
    CHECK(g.piecewise_graphs == 51);
    CHECK(g.full_graphs == 35);
  }
  SECTION("tiny 2-layer model, N = 4: sizes 1, 2, 4, 8; 3 pieces each; FULL for 1, 2, 4") {
    EngineRequest r = testutil::request_for(tiny_llama());
    r.max_num_seqs = 4;
    const auto g = graphs(r);
    CHECK(g.capture_sizes == std::vector<int64_t>{1, 2, 4, 8});  // min(2 x 4, 512) = 8
    CHECK(g.pieces_per_size == 3);
    CHECK(g.full_graphs == 3);
    CHECK(g.graphs_total == 4 * 3 + 3);
  }
  SECTION("before v0.11 only PIECEWISE graphs") {
    const auto g = graphs(llama(std::nullopt, "0.10.0"));
    CHECK(g.mode == "PIECEWISE");
    CHECK(g.full_graphs == 0);
  }
}

TEST_CASE("more max_num_seqs never means fewer graphs", "[cudagraph][invariant]") {
  int64_t previous_total = 0, previous_largest = 0;
  for (int64_t n : {1, 2, 3, 4, 7, 8, 16, 31, 64, 100, 128, 200, 256, 300, 512, 1024, 2048}) {
    const auto g = graphs(llama(n));
    INFO("max_num_seqs " << n);
    CHECK(g.graphs_total >= previous_total);
    CHECK(g.largest_capture >= previous_largest);
    previous_total = g.graphs_total;
    previous_largest = g.largest_capture;
  }
}

TEST_CASE("enforce_eager: no graphs, no graph memory, and the KV budget gets it back", "[cudagraph]") {
  EngineRequest r = llama(std::nullopt, "0.21.0");
  const Estimate with_graphs = headroom::run_estimate(r);
  r.enforce_eager = true;
  const Estimate eager = headroom::run_estimate(r);
  CHECK_FALSE(eager.rank().graphs.captured);
  CHECK(eager.rank().graphs.graphs_total == 0);
  CHECK(eager.rank().cudagraph_term.value == 0.0);
  const Json j = testutil::api_estimate({{"model", kLlama8b}, {"gpu", "H100"}, {"enforce_eager", true}});
  CHECK(j["cudagraph_gib"] == 0.0);

  // v0.21 subtracts the graph estimate from the KV budget, so eager mode gains exactly that.
  REQUIRE(with_graphs.rank().graphs.subtracted_from_budget);
  CHECK(with_graphs.rank().cudagraph_term.value > 0);
  CHECK(eager.rank().avail_bytes - with_graphs.rank().avail_bytes ==
        Approx(with_graphs.rank().cudagraph_term.value * testutil::kGiB).epsilon(1e-9));
}

TEST_CASE("which versions and platforms take graphs out of the KV budget", "[cudagraph][versions]") {
  CHECK(graphs(llama(std::nullopt, "0.21.0")).subtracted_from_budget);
  CHECK_FALSE(graphs(llama(std::nullopt, "0.19.0")).subtracted_from_budget);  // env var off by default
  EngineRequest amd = llama(std::nullopt, "0.21.0");
  amd.gpu = "MI300X";
  CHECK_FALSE(graphs(amd).subtracted_from_budget);  // not profiled on ROCm
  CHECK(graphs(amd).captured);
}

TEST_CASE("graph memory: pool for the largest capture plus a cost per captured graph", "[cudagraph]") {
  const auto big = graphs(llama(1024)), small = graphs(llama(64));
  for (const auto* g : {&big, &small}) {
    CHECK(g->total_bytes == Approx(g->fixed_bytes + g->pool_bytes +
                                   g->per_piece_bytes * static_cast<double>(g->piecewise_graphs * g->pieces_per_size) +
                                   g->per_full_graph_bytes * static_cast<double>(g->full_graphs)));
    CHECK(g->pool_bytes > 0);
  }
  // A largest capture of 512 tokens needs a bigger pool than one of 128, and more graphs cost more.
  CHECK(big.pool_bytes > small.pool_bytes);
  CHECK(big.total_bytes > small.total_bytes);
  // The JSON reports the same numbers.
  const Json j = testutil::api_estimate({{"model", kLlama8b}, {"gpu", "H100"}, {"vllm_version", "0.19.0"},
                                         {"max_model_len", 8192}, {"max_num_seqs", 64}});
  CHECK(j["cudagraph"]["graphs_total"] == small.graphs_total);
  CHECK(j["cudagraph"]["largest_capture"] == 128);
  CHECK(j["cudagraph_gib"].get<double>() == Approx(small.total_bytes / testutil::kGiB));
}
