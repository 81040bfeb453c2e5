// Tests for core/log_parser: the real vLLM logs of tests/fixtures/records.jsonl (a copy of the
// shared validation set), one hand-written line per format family of
// docs/vllm-memory-model.md §9, and hostile input (empty, binary, huge lines).
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/log_parser.h"

#ifndef HEADROOM_SOURCE_DIR
#error "HEADROOM_SOURCE_DIR must be defined by the build as the repository root"
#endif

using headroom::parse_vllm_log;
using headroom::ParsedLog;
using Json = nlohmann::json;

namespace {

// The records copy figures from the log lines (two decimals; weights lines have four).
constexpr double kGibTolerance = 0.005;

struct LogRecord {
  std::string id;
  std::string text;  // raw_lines joined with newlines
  Json json;
};

// Records of origin "issue" that keep verbatim log lines.
std::vector<LogRecord> records_with_logs() {
  const std::string path = std::string(HEADROOM_SOURCE_DIR) + "/tests/fixtures/records.jsonl";
  std::ifstream in(path);
  INFO("reading " << path);
  REQUIRE(in.good());
  std::vector<LogRecord> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Json rec = Json::parse(line);
    if (!rec.contains("raw_lines") || !rec["raw_lines"].is_array() || rec["raw_lines"].empty())
      continue;
    LogRecord r{rec.value("id", "?"), "", rec};
    for (const auto& l : rec["raw_lines"]) r.text += l.get<std::string>() + "\n";
    out.push_back(std::move(r));
  }
  return out;
}

bool mentions(const std::string& text, const std::vector<const char*>& markers) {
  for (const char* m : markers)
    if (text.find(m) != std::string::npos) return true;
  return false;
}

// An observed figure and the phrases of the log lines that print it. A record's figure is
// checked only when its log holds one of the phrases: otherwise it came from the prose
// or a table, and no parser could find it.
struct GibField {
  const char* key;
  std::optional<double> ParsedLog::*field;
  std::vector<const char*> markers;
};
struct CountField {
  const char* key;
  std::optional<long long> ParsedLog::*field;
  std::vector<const char*> markers;
};

const std::vector<GibField> kObservedGib = {
    {"weights_gib",
     &ParsedLog::weights_gib,
     {"Model loading took", "Loading model weights took", "model weights take", "GiB for weight,",
      "weights memory:"}},
    {"activation_peak_gib",
     &ParsedLog::activation_gib,
     {"PyTorch activation peak memory", "GiB for peak activation", "torch peak memory increase"}},
    {"non_torch_gib",
     &ParsedLog::non_torch_gib,
     {"non_torch_memory", "GiB for non-torch memory", "non-torch forward"}},
    {"kv_cache_gib",
     &ParsedLog::kv_cache_gib,
     {"Available KV cache memory", "reserved for KV Cache is",
      "kv_cache_size=", "available_kv_cache_memory", "kv cache memory in use"}},
    {"cudagraph_gib",
     &ParsedLog::cudagraph_gib,
     {"Graph capturing finished", "GiB for CUDAGraph memory", "CUDA graph pool memory"}},
    {"cudagraph_estimated_gib",
     &ParsedLog::cudagraph_estimated_gib,
     {"Estimated CUDA graph memory", "GiB (estimated)"}},
};

const std::vector<CountField> kObservedCounts = {
    {"kv_cache_tokens",
     &ParsedLog::kv_cache_tokens,
     {"GPU KV cache size", "tokens that can be stored in KV cache"}},
    {"num_gpu_blocks",
     &ParsedLog::num_gpu_blocks,
     {"GPU blocks:", "CUDA blocks:", "cuda blocks:", "num_gpu_blocks is"}},
};

bool has(const Json& obj, const char* key) { return obj.contains(key) && !obj[key].is_null(); }

std::string repeat(const std::string& piece, std::size_t total_bytes) {
  std::string out;
  out.reserve(total_bytes + piece.size());
  while (out.size() < total_bytes) out += piece;
  return out;
}

bool any_note_contains(const ParsedLog& log, const std::string& what) {
  for (const auto& n : log.notes)
    if (n.find(what) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("every observed figure whose line is in a record's raw_lines parses to that figure",
          "[log_parser][fixtures]") {
  int checked = 0;
  for (const LogRecord& rec : records_with_logs()) {
    const ParsedLog log = parse_vllm_log(rec.text);
    const Json& observed = rec.json["observed"];
    for (const GibField& f : kObservedGib) {
      if (!has(observed, f.key) || !mentions(rec.text, f.markers)) continue;
      INFO(rec.id << ": " << f.key);
      const auto& got = log.*(f.field);
      REQUIRE(got.has_value());
      CHECK(*got == Approx(observed[f.key].get<double>()).margin(kGibTolerance));
      ++checked;
    }
    for (const CountField& f : kObservedCounts) {
      if (!has(observed, f.key) || !mentions(rec.text, f.markers)) continue;
      INFO(rec.id << ": " << f.key);
      const auto& got = log.*(f.field);
      REQUIRE(got.has_value());
      CHECK(*got == observed[f.key].get<long long>());
      ++checked;
    }
    if (has(observed, "max_concurrency") && mentions(rec.text, {"Maximum concurrency for"})) {
      INFO(rec.id << ": max_concurrency");
      const Json& mc = observed["max_concurrency"];
      REQUIRE(log.max_concurrency.has_value());
      CHECK(*log.max_concurrency == Approx(mc["value"].get<double>()).margin(kGibTolerance));
      if (has(mc, "tokens_per_request"))
        CHECK(log.max_concurrency_tokens_per_request == mc["tokens_per_request"].get<long long>());
      ++checked;
    }
  }
  // 46 records, about 30 with lines; guards against markers or fixture silently matching nothing.
  CHECK(checked >= 150);
}

TEST_CASE("settings a record states are read back when its raw_lines show them",
          "[log_parser][fixtures]") {
  int checked = 0;
  for (const LogRecord& rec : records_with_logs()) {
    const ParsedLog log = parse_vllm_log(rec.text);
    const Json& j = rec.json;
    INFO(rec.id);
    if (has(j, "gpu_total_gib") &&
        mentions(rec.text, {"total_gpu_memory", "Free memory on device (", "total capacity"})) {
      REQUIRE(log.total_gpu_memory_gib.has_value());
      CHECK(*log.total_gpu_memory_gib == Approx(j["gpu_total_gib"].get<double>()).margin(0.005));
      ++checked;
    }
    if (has(j, "gpu_memory_utilization") &&
        mentions(rec.text,
                 {"gpu_memory_utilization ", "gpu_memory_utilization=", "'gpu_memory_utilization':",
                  "GPU memory utilization is (", "--gpu-memory-utilization="})) {
      REQUIRE(log.gpu_memory_utilization.has_value());
      CHECK(*log.gpu_memory_utilization == Approx(j["gpu_memory_utilization"].get<double>()));
      ++checked;
    }
    if (has(j, "tp") && mentions(rec.text, {"tensor_parallel_size=", "'tensor_parallel_size':"})) {
      CHECK(log.tensor_parallel_size == j["tp"].get<int>());
      ++checked;
    }
    if (has(j, "max_model_len") &&
        mentions(rec.text, {"max_seq_len=", "max_model_len=", "'max_model_len':"})) {
      CHECK(log.max_model_len == j["max_model_len"].get<long long>());
      ++checked;
    }
    if (has(j, "max_num_seqs") && mentions(rec.text, {"max_num_seqs=", "'max_num_seqs':"})) {
      CHECK(log.max_num_seqs == j["max_num_seqs"].get<long long>());
      ++checked;
    }
    if (has(j, "max_num_batched_tokens") &&
        mentions(rec.text, {"max_num_batched_tokens=", "'max_num_batched_tokens':"})) {
      CHECK(log.max_num_batched_tokens == j["max_num_batched_tokens"].get<long long>());
      ++checked;
    }
    if (has(j, "dtype") && mentions(rec.text, {" dtype=", "'dtype':"})) {
      CHECK(log.dtype == j["dtype"].get<std::string>());
      ++checked;
    }
    // Records decorate some strings ("awq (4-bit)"); the logged word must be their start.
    if (has(j, "quantization") && mentions(rec.text, {"quantization=", "'quantization':"})) {
      REQUIRE(log.quantization.has_value());
      CHECK(j["quantization"].get<std::string>().rfind(*log.quantization, 0) == 0);
      ++checked;
    }
    if (has(j, "vllm_version") && mentions(rec.text, {"engine (v", "API server version"})) {
      CHECK(log.vllm_version == j["vllm_version"].get<std::string>());
      ++checked;
    }
    if (has(j, "gpu") && mentions(rec.text, {"device_name="})) {
      REQUIRE(log.gpu_name.has_value());
      CHECK(j["gpu"].get<std::string>().rfind(*log.gpu_name, 0) == 0);
      ++checked;
    }
  }
  CHECK(checked >= 50);
}

TEST_CASE("weight lines of every era are read, and 'GB' is taken as GiB with a note",
          "[log_parser]") {
  struct Case {
    const char* line;
    double gib;
    bool said_gb;
  };
  const Case cases[] = {
      {"INFO 07-25 04:01:16 model_runner.py:146] Loading model weights took 95.5194 GB", 95.5194,
       true},
      {"INFO 03-29 15:52:45 [model_runner.py:1146] Model loading took 3.2637 GB and 18.052839 "
       "seconds",
       3.2637, true},
      {"INFO 04-24 16:33:00 [gpu_model_runner.py:1316] Model loading took 14.9889 GiB and 3.652170 "
       "seconds",
       14.9889, false},
      {"(EngineCore_DP0 pid=7) INFO 01-20 10:00:00 [gpu_model_runner.py:3480] Model loading took "
       "13.72 GiB memory and 62.336108 seconds",
       13.72, false},
      {"Model loading took 8.89 GiB memory", 8.89, false},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    ParsedLog log = parse_vllm_log(c.line);
    REQUIRE(log.weights_gib.has_value());
    CHECK(*log.weights_gib == Approx(c.gib));
    CHECK(any_note_contains(log, "'GB'") == c.said_gb);
    CHECK(log.lines_recognised == 1);
  }
}

TEST_CASE("the V0 three-line budget f-string gives the whole breakdown", "[log_parser]") {
  ParsedLog log = parse_vllm_log(
      "INFO 04-02 21:43:03 worker.py:241] Memory profiling takes 3.02 seconds\n"
      "INFO 04-02 21:43:03 worker.py:241] the current vLLM instance can use total_gpu_memory "
      "(23.67GiB) x gpu_memory_utilization (0.90) = 21.30GiB\n"
      "INFO 04-02 21:43:03 worker.py:241] model weights take 15.51GiB; non_torch_memory takes "
      "0.28GiB; PyTorch activation peak memory takes 1.16GiB; the rest of the memory reserved for "
      "KV Cache is 4.36GiB.\n");
  CHECK(log.total_gpu_memory_gib == Approx(23.67));
  CHECK(log.gpu_memory_utilization == Approx(0.90));
  CHECK(log.weights_gib == Approx(15.51));
  CHECK(log.non_torch_gib == Approx(0.28));
  CHECK(log.activation_gib == Approx(1.16));
  CHECK(log.kv_cache_gib == Approx(4.36));
  CHECK(log.lines_recognised == 2);  // "Memory profiling takes" carries no figure we keep
}

TEST_CASE("a negative V0 KV budget is kept as logged", "[log_parser]") {
  ParsedLog log = parse_vllm_log(
      "model weights take 5.20GiB; non_torch_memory takes 0.03GiB; PyTorch activation peak memory "
      "takes 1.42GiB; the rest of the memory reserved for KV Cache is -1.05GiB.\n"
      "INFO 02-26 09:54:05 executor_base.py:111] # cuda blocks: 0, # CPU blocks: 4681\n");
  CHECK(log.kv_cache_gib == Approx(-1.05));
  CHECK(log.num_gpu_blocks == 0);
}

TEST_CASE("the v0.6.4 'Memory profiling results' line; its peak_torch_memory is not activation",
          "[log_parser]") {
  ParsedLog log = parse_vllm_log(
      "INFO 11-20 10:00:00 worker.py:232] Memory profiling results: total_gpu_memory=23.58GiB "
      "initial_memory_usage=15.34GiB peak_torch_memory=17.06GiB memory_usage_post_profile=15.35Gib "
      "non_torch_memory=0.35GiB kv_cache_size=3.81GiB gpu_memory_utilization=0.90");
  CHECK(log.total_gpu_memory_gib == Approx(23.58));
  CHECK(log.non_torch_gib == Approx(0.35));
  CHECK(log.kv_cache_gib == Approx(3.81));
  CHECK(log.gpu_memory_utilization == Approx(0.90));
  CHECK_FALSE(log.activation_gib.has_value());
  CHECK(any_note_contains(log, "peak_torch_memory=17.06"));
}

TEST_CASE("the transient tabular layout of the PR #10511 branch", "[log_parser]") {
  ParsedLog log = parse_vllm_log(
      "INFO 12-13 19:54:18 worker.py:243] total_gpu_memory     79.22GiB\n"
      "INFO 12-13 19:54:18 worker.py:243] gpu_memory_utilization       0.90\n"
      "INFO 12-13 19:54:18 worker.py:243] model weights take\t14.96GiB\n"
      "INFO 12-13 19:54:18 worker.py:243] non_torch_memory     1.79GiB\n"
      "INFO 12-13 19:54:18 worker.py:243] PyTorch activation peak memory       1.26GiB\n"
      "INFO 12-13 19:54:18 worker.py:243] available_kv_cache_memory    53.29GiB\n");
  CHECK(log.total_gpu_memory_gib == Approx(79.22));
  CHECK(log.gpu_memory_utilization == Approx(0.90));
  CHECK(log.weights_gib == Approx(14.96));
  CHECK(log.non_torch_gib == Approx(1.79));
  CHECK(log.activation_gib == Approx(1.26));
  CHECK(log.kv_cache_gib == Approx(53.29));
  CHECK(log.lines_recognised == 6);
}

TEST_CASE("V0 block-count lines: '# GPU blocks', '# CUDA blocks', '# cuda blocks'",
          "[log_parser]") {
  CHECK(parse_vllm_log("INFO 08-29 19:06:51 gpu_executor.py:121] # GPU blocks: 157794, # CPU "
                       "blocks: 4096")
            .num_gpu_blocks == 157794);
  CHECK(parse_vllm_log("INFO 03-01 10:30:57 executor_base.py:110] # CUDA blocks: 36332, # CPU "
                       "blocks: 9362")
            .num_gpu_blocks == 36332);
  CHECK(parse_vllm_log("INFO 03-29 15:53:07 [executor_base.py:111] # cuda blocks: 1395, # CPU "
                       "blocks: 2340")
            .num_gpu_blocks == 1395);
  CHECK_FALSE(parse_vllm_log("# CPU blocks: 2340").num_gpu_blocks.has_value());
  CHECK(parse_vllm_log("Overriding num_gpu_blocks=1395 with num_gpu_blocks_override=512")
            .num_gpu_blocks == 512);
}

TEST_CASE("V1 KV lines: memory, token count with thousands separators, concurrency",
          "[log_parser]") {
  ParsedLog log = parse_vllm_log(
      "(EngineCore_DP0 pid=3021) INFO 09-23 18:12:33 [gpu_worker.py:298] Available KV cache "
      "memory: 55.15 GiB\n"
      "(EngineCore_DP0 pid=3021) INFO 09-23 18:12:34 [kv_cache_utils.py:864] GPU KV cache size: "
      "451,744 tokens\n"
      "(EngineCore_DP0 pid=3021) INFO 09-23 18:12:34 [kv_cache_utils.py:868] Maximum concurrency "
      "for 4,096 tokens per request: 110.29x\n");
  CHECK(log.kv_cache_gib == Approx(55.15));
  CHECK(log.kv_cache_tokens == 451744);
  CHECK(log.max_concurrency == Approx(110.29));
  CHECK(log.max_concurrency_tokens_per_request == 4096);
  CHECK(log.lines_recognised == 3);

  SECTION("token count and concurrency on one line (2025 format)") {
    ParsedLog one = parse_vllm_log(
        "GPU KV cache size: 2,143,243 tokens, Maximum concurrency for 1,048,576 tokens per "
        "request: 2.04x");
    CHECK(one.kv_cache_tokens == 2143243);
    CHECK(one.max_concurrency == Approx(2.04));
    CHECK(one.max_concurrency_tokens_per_request == 1048576);
  }
  SECTION("V0's plain integer and format_gib's short figures") {
    ParsedLog v0 = parse_vllm_log(
        "Maximum concurrency for 32768 tokens per request: 28.35x\n"
        "Available KV cache memory: 8.0 GiB");
    CHECK(v0.max_concurrency_tokens_per_request == 32768);
    CHECK(v0.kv_cache_gib == Approx(8.0));
  }
  SECTION("V0's refusal names the token capacity") {
    ParsedLog v0 = parse_vllm_log(
        "ValueError: The model's max seq len (131072) is larger than the maximum number of tokens "
        "that can be stored in KV cache (81536). Try increasing `gpu_memory_utilization`");
    CHECK(v0.kv_cache_tokens == 81536);
    CHECK_FALSE(v0.gpu_memory_utilization.has_value());
  }
}

TEST_CASE("CUDA graph lines: capture, v0.18+ estimate, pool actual vs estimated", "[log_parser]") {
  ParsedLog log = parse_vllm_log(
      "[gpu_model_runner.py:6639] Estimated CUDA graph memory: 0.66 GiB total\n"
      "Profiling CUDA graph memory: PIECEWISE=51 (largest=512), FULL=35 (largest=256)\n"
      "(Worker_TP0 pid=1) INFO 09-04 11:00:17 [gpu_model_runner.py:3480] Graph capturing finished "
      "in 16 secs, took 0.65 GiB\n");
  CHECK(log.cudagraph_estimated_gib == Approx(0.66));
  CHECK(log.cudagraph_gib == Approx(0.65));

  ParsedLog pool = parse_vllm_log(
      "CUDA graph pool memory: -0.19 GiB (actual), 2.43 GiB (estimated), difference: 2.62 GiB");
  CHECK(pool.cudagraph_gib == Approx(-0.19));
  CHECK(pool.cudagraph_estimated_gib == Approx(2.43));

  // Before 2024-11 the line had no memory figure.
  ParsedLog old =
      parse_vllm_log("INFO 08-01 model_runner.py:1225] Graph capturing finished in 5 secs.");
  CHECK_FALSE(old.cudagraph_gib.has_value());
  CHECK(old.lines_recognised == 0);
}

TEST_CASE("the V1 start-up summary gives free, total, util and the measured terms",
          "[log_parser]") {
  ParsedLog log = parse_vllm_log(
      "(EngineCore_DP0 pid=3021) INFO 09-23 18:12:39 [gpu_worker.py:391] Free memory on device "
      "(78.66/79.19 GiB) on startup. Desired GPU memory utilization is (0.9, 71.27 GiB). Actual "
      "usage is 14.08 GiB for weight, 1.97 GiB for peak activation, 0.07 GiB for non-torch memory, "
      "and 0.67 GiB for CUDAGraph memory. Current kv cache memory in use is 55.15 GiB.");
  CHECK(log.free_memory_at_startup_gib == Approx(78.66));
  CHECK(log.total_gpu_memory_gib == Approx(79.19));
  CHECK(log.gpu_memory_utilization == Approx(0.9));
  CHECK(log.weights_gib == Approx(14.08));
  CHECK(log.activation_gib == Approx(1.97));
  CHECK(log.non_torch_gib == Approx(0.07));
  CHECK(log.cudagraph_gib == Approx(0.67));
  CHECK(log.kv_cache_gib == Approx(55.15));

  SECTION("the later form lumps weights with non-torch: neither is guessed") {
    ParsedLog lumped = parse_vllm_log(
        "Free memory on device (94.41/94.97 GiB) on startup. Desired GPU memory utilization is "
        "(0.97, 92.12 GiB). Actual usage is 81.7 GiB for consumed memory (weights + non-torch), "
        "1.78 GiB for peak activation, and 0.28 GiB for CUDAGraph memory.");
    CHECK_FALSE(lumped.weights_gib.has_value());
    CHECK_FALSE(lumped.non_torch_gib.has_value());
    CHECK(lumped.activation_gib == Approx(1.78));
    CHECK(lumped.cudagraph_gib == Approx(0.28));
    CHECK(any_note_contains(lumped, "81.7 GiB for consumed memory"));
  }
}

TEST_CASE("DEBUG profiling lines of V1", "[log_parser]") {
  ParsedLog log = parse_vllm_log(
      "DEBUG 06-10 [gpu_worker.py:250] Initial free memory: 78.66 GiB; Requested memory: 0.900000 "
      "(util), 71.27 GiB\n"
      "DEBUG 06-10 [gpu_worker.py:260] Memory profiling takes 4.08 seconds. Total non KV cache "
      "memory: 16.13GiB; torch peak memory increase: 1.32GiB; non-torch forward increase memory: "
      "0.07GiB; weights memory: 14.74GiB.\n");
  CHECK(log.free_memory_at_startup_gib == Approx(78.66));
  CHECK(log.activation_gib == Approx(1.32));
  CHECK(log.non_torch_gib == Approx(0.07));
  CHECK(log.weights_gib == Approx(14.74));

  ParsedLog early = parse_vllm_log(
      "DEBUG 04-01 [gpu_worker.py:190] Peak torch memory: 16.20 GiB, non-torch forward-pass "
      "memory: 0.10 GiB, available KVCache memory: 55.07 GiB");
  CHECK(early.non_torch_gib == Approx(0.10));
  CHECK(early.kv_cache_gib == Approx(55.07));
  CHECK_FALSE(early.activation_gib.has_value());  // that peak includes the weights
  CHECK(any_note_contains(early, "Peak torch memory: 16.2"));
}

TEST_CASE("ANSI colour codes are stripped, with or without the escape byte", "[log_parser]") {
  ParsedLog with_escape = parse_vllm_log(
      "\x1b[1;36m(VllmWorker rank=0 pid=4711)\x1b[0;0m INFO 05-12 10:11:12 [gpu_worker.py:276] "
      "Available KV cache memory: \x1b[1m12.75\x1b[0m GiB");
  CHECK(with_escape.kv_cache_gib == Approx(12.75));
  REQUIRE(with_escape.ranks_seen.size() == 1);
  CHECK(with_escape.ranks_seen[0] == "VllmWorker rank=0");

  ParsedLog pasted = parse_vllm_log(
      "[1;36m(VllmWorker TP1 pid=4712)[0;0m INFO 05-12 10:11:12 [gpu_worker.py:276] Model loading "
      "took 7.5 GiB and 3.1 seconds");
  CHECK(pasted.weights_gib == Approx(7.5));
  REQUIRE(pasted.ranks_seen.size() == 1);
  CHECK(pasted.ranks_seen[0] == "VllmWorker TP1");
}

TEST_CASE("per-rank prefixes are listed once each; ranks that disagree keep the first value",
          "[log_parser]") {
  ParsedLog log = parse_vllm_log(
      "(APIServer pid=1) INFO 10-06 [api_server.py:1] vLLM API server version 0.11.0\n"
      "(Worker_TP0_EP0 pid=1159) INFO [gpu_worker.py:624] Available KV cache memory: 17.79 GiB\n"
      "(Worker_TP1_EP1 pid=1160) INFO [gpu_worker.py:624] Available KV cache memory: 17.73 GiB\n"
      "(Worker_TP2_EP2 pid=1161) INFO [gpu_worker.py:624] Available KV cache memory: 18.04 GiB\n"
      "(Worker_TP0_EP0 pid=1159) INFO [gpu_worker.py:624] Available KV cache memory: 17.79 GiB\n"
      "(Worker_PP1 pid=9) INFO [gpu_model_runner.py:1] Model loading took 3.5 GiB memory\n"
      "(EngineCore_DP0 pid=3021) INFO [kv_cache_utils.py:1] GPU KV cache size: 1,000 tokens\n"
      "(VllmWorkerProcess pid=1786) INFO model_runner.py:1115] Loading model weights took 3.5 GB\n"
      "(RayWorkerWrapper pid=627, ip=10.244.1.107) INFO worker.py:267] model weights take "
      "3.50GiB\n");
  CHECK(log.kv_cache_gib == Approx(17.79));
  CHECK(log.vllm_version == "0.11.0");
  const std::vector<std::string> expected = {"Worker_TP0_EP0",
                                             "Worker_TP1_EP1",
                                             "Worker_TP2_EP2",
                                             "Worker_PP1",
                                             "EngineCore_DP0",
                                             "VllmWorkerProcess pid=1786",
                                             "RayWorkerWrapper pid=627, ip=10.244.1.107"};
  CHECK(log.ranks_seen == expected);
  CHECK(any_note_contains(log, "says 17.73"));
  CHECK(any_note_contains(log, "says 18.04"));
  CHECK(any_note_contains(log, "Worker_TP1_EP1"));
  CHECK(log.lines_recognised == 9);
}

TEST_CASE("the engine-config line gives the settings, nested configs do not leak", "[log_parser]") {
  ParsedLog v1 = parse_vllm_log(
      "INFO 05-12 10:00:00 [core.py:58] Initializing a V1 LLM engine (v0.8.3) with config: "
      "model='meta-llama/Llama-3.1-8B-Instruct', speculative_config=None, "
      "tokenizer='meta-llama/Llama-3.1-8B-Instruct', skip_tokenizer_init=False, "
      "tokenizer_mode=auto, revision=None, override_neuron_config=None, "
      "tokenizer_revision=None, trust_remote_code=False, dtype=torch.bfloat16, max_seq_len=8192, "
      "download_dir=None, load_format=auto, tensor_parallel_size=2, pipeline_parallel_size=1, "
      "disable_custom_all_reduce=False, quantization=fp8, enforce_eager=False, "
      "kv_cache_dtype=fp8_e4m3, device_config=cuda, "
      "decoding_config=DecodingConfig(guided_decoding_backend='xgrammar', reasoning_backend=None), "
      "seed=0, served_model_name=meta-llama/Llama-3.1-8B-Instruct, "
      "compilation_config={\"level\":3,\"max_num_seqs\":999,\"cudagraph_capture_sizes\":[512,504],"
      "\"max_capture_size\":512}");
  CHECK(v1.vllm_version == "0.8.3");
  CHECK(v1.model == "meta-llama/Llama-3.1-8B-Instruct");
  CHECK(v1.dtype == "bfloat16");
  CHECK(v1.max_model_len == 8192);
  CHECK(v1.tensor_parallel_size == 2);
  CHECK(v1.pipeline_parallel_size == 1);
  CHECK(v1.quantization == "fp8");
  CHECK(v1.enforce_eager == false);
  CHECK(v1.kv_cache_dtype == "fp8_e4m3");
  CHECK_FALSE(v1.max_num_seqs.has_value());  // only inside compilation_config

  ParsedLog v0 = parse_vllm_log(
      "INFO 10-26 12:34:54 llm_engine.py:72] Initializing an LLM engine with config: "
      "model='../CodeLlama-7B-AWQ', tokenizer='../CodeLlama-7B-AWQ', dtype=torch.float16, "
      "max_seq_len=512, tensor_parallel_size=1, quantization=None, seed=0)");
  CHECK(v0.model == "../CodeLlama-7B-AWQ");
  CHECK(v0.dtype == "float16");
  CHECK_FALSE(v0.quantization.has_value());  // None: the log says there is none to report
  CHECK_FALSE(v0.vllm_version.has_value());
}

TEST_CASE("the non-default-args dict and the old argparse Namespace", "[log_parser]") {
  ParsedLog log = parse_vllm_log(
      "(APIServer pid=1) INFO 04-01 [utils.py:233] non-default args: {'model_tag': "
      "'Qwen/Qwen3-8B', 'host': '0.0.0.0', 'model': 'Qwen/Qwen3-8B', 'max_model_len': 32768, "
      "'enforce_eager': True, 'skip_mm_profiling': True, 'tensor_parallel_size': 4, 'pipeline_parallel_size': 2, "
      "'gpu_memory_utilization': 0.85, 'max_num_seqs': 64, 'max_num_batched_tokens': 8192, "
      "'block_size': 32, 'kv_cache_dtype': 'fp8', 'quantization': 'awq_marlin', "
      "'compilation_config': {'cudagraph_capture_sizes': [1, 2, 4]}, 'dtype': 'half'}");
  CHECK(log.model == "Qwen/Qwen3-8B");
  CHECK(log.max_model_len == 32768);
  CHECK(log.enforce_eager == true);
  CHECK(log.skip_mm_profiling == true);
  CHECK(log.tensor_parallel_size == 4);
  CHECK(log.pipeline_parallel_size == 2);
  CHECK(log.gpu_memory_utilization == Approx(0.85));
  CHECK(log.max_num_seqs == 64);
  CHECK(log.max_num_batched_tokens == 8192);
  CHECK(log.block_size == 32);
  CHECK(log.kv_cache_dtype == "fp8");
  CHECK(log.quantization == "awq_marlin");
  CHECK(log.dtype == "half");

  ParsedLog old = parse_vllm_log(
      "INFO 07-01 api_server.py:177] args: Namespace(host=None, port=8000, "
      "model='mistralai/Mistral-7B-v0.1', tensor_parallel_size=2, max_model_len=None, "
      "gpu_memory_utilization=0.9, enforce_eager=False, max_num_seqs=256)");
  CHECK(old.model == "mistralai/Mistral-7B-v0.1");
  CHECK(old.tensor_parallel_size == 2);
  CHECK_FALSE(old.max_model_len.has_value());
  CHECK(old.gpu_memory_utilization == Approx(0.9));
  CHECK(old.max_num_seqs == 256);
}

TEST_CASE("version and GPU-name lines", "[log_parser]") {
  CHECK(parse_vllm_log("INFO 05-12 [api_server.py:1896] vLLM API server version 0.19.0")
            .vllm_version == "0.19.0");
  CHECK(
      parse_vllm_log("Initializing an LLM engine (v0.4.3) with config: model='/m'").vllm_version ==
      "0.4.3");
  CHECK(parse_vllm_log("vLLM Version: 0.6.3.post1").vllm_version == "0.6.3.post1");
  CHECK(parse_vllm_log("INFO fused_moe.py:1] Using configuration from "
                       "/x/E=8,N=2048,device_name=NVIDIA_H100_80GB_HBM3.json for MoE layer.")
            .gpu_name == "NVIDIA H100 80GB HBM3");
  CHECK(parse_vllm_log("GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-1234)").gpu_name ==
        "NVIDIA A100-SXM4-80GB");
}

TEST_CASE("empty, blank and binary input give an empty result", "[log_parser][robustness]") {
  for (const char* text : {"", "\n", "\r\n\r\n", "   \t  "}) {
    ParsedLog log = parse_vllm_log(text);
    CHECK(log.lines_recognised == 0);
    CHECK(log.notes.empty());
    CHECK_FALSE(log.kv_cache_gib.has_value());
  }
  std::string noise(1 << 20, '\0');
  std::uint32_t state = 12345;  // fixed LCG: the same bytes every run
  for (char& c : noise) {
    state = state * 1664525u + 1013904223u;
    c = static_cast<char>(state >> 24);
  }
  ParsedLog log = parse_vllm_log(noise);
  CHECK(log.lines_recognised == 0);
}

TEST_CASE("truncated lines and figures without units are not read", "[log_parser][robustness]") {
  const char* lines[] = {
      "Available KV cache memory: ",
      "Available KV cache memory: 12.5",
      "Available KV cache memory: 12.5 seconds",
      "Maximum concurrency for 8,192 tokens per re",
      "Maximum concurrency for 8,192 tokens per request: ",
      "GPU KV cache size: 1,2",
      "GPU KV cache size: 1,2345 tokens",  // not a thousands group
      "Model loading took 3.",
      "CUDA graph pool memory: 0.1 GiB (act",
      "non-default args: {'model': 'x', 'max_model_len': ",
      "Free memory on device (78.66/",
      "# GPU blocks: ",
      "Initializing a V1 LLM engine (v",
      "(VllmWorker TP0 pid=",
      "\x1b[",
      "[1;3",
  };
  for (const char* line : lines) {
    INFO(line);
    ParsedLog log = parse_vllm_log(line);
    CHECK_FALSE(log.kv_cache_gib.has_value());
    CHECK_FALSE(log.max_concurrency.has_value());
    CHECK_FALSE(log.kv_cache_tokens.has_value());
    CHECK_FALSE(log.weights_gib.has_value());
    CHECK_FALSE(log.cudagraph_gib.has_value());
    CHECK_FALSE(log.max_model_len.has_value());
    CHECK_FALSE(log.num_gpu_blocks.has_value());
    CHECK_FALSE(log.vllm_version.has_value());
  }
}

TEST_CASE("a 10 MB line is cut short with a note, and the lines after it are still read",
          "[log_parser][robustness]") {
  std::string text = repeat("Available KV cache memory: ", 10'000'000);
  text += "\nAvailable KV cache memory: 4.66 GiB\n";
  const auto start = std::chrono::steady_clock::now();
  ParsedLog log = parse_vllm_log(text);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(log.kv_cache_gib == Approx(4.66));
  CHECK(any_note_contains(log, "longer than"));
  CHECK(seconds < 20.0);  // generous even under sanitizers; a quadratic scan would take hours
}

TEST_CASE("10 MB of short near-miss lines is parsed in linear time", "[log_parser][robustness]") {
  const std::string text = repeat(
      "(Worker_TP0 pid=1) Maximum concurrency for 1,00 tokens per request: x GiB\r\n", 10'000'000);
  const auto start = std::chrono::steady_clock::now();
  ParsedLog log = parse_vllm_log(text);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(log.lines_recognised == 0);
  CHECK(log.ranks_seen.size() == 1);
  CHECK(seconds < 20.0);
}

TEST_CASE("carriage returns from progress bars separate lines", "[log_parser]") {
  ParsedLog log = parse_vllm_log(
      "Loading safetensors checkpoint shards:  50% 1/2\rLoading safetensors checkpoint shards: "
      "100% 2/2\rINFO [gpu_model_runner.py:1] Model loading took 14.99 GiB and 3.1 seconds\r\n"
      "INFO [gpu_worker.py:2] Available KV cache memory: 50.2 GiB\r\n");
  CHECK(log.weights_gib == Approx(14.99));
  CHECK(log.kv_cache_gib == Approx(50.2));
  CHECK(log.lines_recognised == 2);
}
