// Native speed figures for docs/performance.md, printed as one JSON object on stdout
// (scripts/bench.sh merges it into bench/results/latest.json). Not a test: it asserts nothing.
//
//   headroom_native_bench [--runs N] [--batch-ms M]
//
// Every figure is the median of N runs. "api" times headroom::api::estimate (JSON text in,
// JSON text out, what the CLI and the page pay); the split times its stages alone.
// Rates count this thread's CPU time, not wall time, so that other processes sharing the
// machine do not lower them; single-call latencies are wall time, as medians (a call that
// was preempted is an outlier the median ignores).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/api.h"
#include "core/budget.h"
#include "core/bundled_models.h"
#include "core/json_fields.h"
#include "core/model_config.h"
#include "core/planner.h"
#include "core/report_json.h"
#include "core/settings.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

const char* const kReferenceModel = "meta-llama/Llama-3.1-8B-Instruct";

double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

double thread_cpu_micros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Keeps the optimiser from dropping work whose result is otherwise unused.
volatile size_t g_sink = 0;
void keep(size_t value) { g_sink = g_sink + value; }

std::string estimate_request(const std::string& model) {
  return json{{"model", model}, {"gpu", "H100"}}.dump();
}

// Calls fn repeatedly for at least batch_ms of CPU time and returns calls per CPU second;
// median of runs.
template <typename Fn>
double calls_per_second(Fn&& fn, int runs, double batch_ms) {
  std::vector<double> rates;
  for (int r = 0; r < runs; ++r) {
    int64_t calls = 0;
    const double start = thread_cpu_micros();
    double elapsed_us = 0;
    do {
      fn();
      ++calls;
      elapsed_us = thread_cpu_micros() - start;
    } while (elapsed_us < batch_ms * 1000);
    rates.push_back(calls / (elapsed_us / 1e6));
  }
  return median(rates);
}

// Median time of one call, each call timed alone, in microseconds.
template <typename Fn>
double median_call_us(Fn&& fn, int calls) {
  std::vector<double> times;
  times.reserve(calls);
  for (int i = 0; i < calls; ++i) {
    const auto start = Clock::now();
    fn();
    times.push_back(micros_since(start));
  }
  return median(times);
}

template <typename Fn>
double median_ms(Fn&& fn, int runs) {
  return median_call_us(fn, runs) / 1000;
}

int arg_int(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = std::max(1, arg_int(argc, argv, "--runs", 5));
  const double batch_ms = std::max(1, arg_int(argc, argv, "--batch-ms", 10));
  json out;

  // Estimates per second, per bundled model, through the JSON API.
  json per_model = json::object();
  std::vector<double> rates;
  for (const auto& m : headroom::bundled_models()) {
    const std::string request = estimate_request(m.name);
    const std::string first = headroom::api::estimate(request);  // warm-up, and a check
    if (json::parse(first).value("ok", false) != true) {
      std::fprintf(stderr, "native_bench: %s does not estimate on H100: %s\n", m.name.c_str(), first.c_str());
      continue;
    }
    const double rate = calls_per_second([&] { keep(headroom::api::estimate(request).size()); }, runs, batch_ms);
    per_model[m.name] = rate;
    rates.push_back(rate);
  }
  out["estimates_per_second"] = per_model;
  out["estimates_per_second_median_over_models"] = median(rates);
  out["estimates_per_second_min_over_models"] = rates.empty() ? 0 : *std::min_element(rates.begin(), rates.end());
  out["cpu_us_per_estimate_median_over_models"] = rates.empty() ? 0 : 1e6 / median(rates);

  // One estimate of the reference model, and where its time goes.
  const int calls = 400 * runs;
  const std::string request = estimate_request(kReferenceModel);
  const headroom::EngineRequest req = headroom::parse_engine_request(headroom::parse_json_text(request, "request"));
  const headroom::LoadedModel loaded = headroom::load_model(req);
  const headroom::Estimate estimate = headroom::run_estimate(req);
  json latency;
  latency["model"] = kReferenceModel;
  latency["api_estimate_us"] = median_call_us([&] { keep(headroom::api::estimate(request).size()); }, calls);
  latency["parse_request_us"] = median_call_us(
      [&] { keep(headroom::parse_engine_request(headroom::parse_json_text(request, "request")).gpu.size()); }, calls);
  latency["run_estimate_us"] = median_call_us([&] { keep(headroom::run_estimate(req).ranks.size()); }, calls);
  // load_model keeps recent parses, so it is timed both ways: as the API calls it (a repeated
  // model) and the config parse it saves (a model seen for the first time).
  latency["load_model_us"] = median_call_us([&] { keep(headroom::load_model(req).name.size()); }, calls);
  const std::string_view config = headroom::find_bundled_model(kReferenceModel).config_json;
  latency["parse_config_us"] = median_call_us([&] { keep(headroom::parse_model_config(config).num_layers()); }, calls);
  latency["estimate_for_us"] = median_call_us([&] { keep(headroom::estimate_for(req, loaded).ranks.size()); }, calls);
  latency["serialise_us"] = median_call_us([&] { keep(headroom::estimate_to_text(estimate).size()); }, calls);
  out["estimate_latency"] = latency;

  // The 64 x 64 context x concurrency heat map: directly, and through the plan API (which
  // also runs the solvers and the GPU search; the page and the wasm call this one).
  const int heat_runs = std::max(5, 2 * runs + 1);
  json sweep;
  sweep["model"] = kReferenceModel;
  sweep["build_heatmap_64x64_ms"] = median_ms([&] { keep(headroom::build_heatmap(req, loaded, 64, 64).contexts.size()); }, heat_runs);
  const std::string plan_request =
      json{{"model", kReferenceModel}, {"gpu", "H100"}, {"target_concurrency", 16}, {"heatmap_size", 64}}.dump();
  const std::string plan_12 =
      json{{"model", kReferenceModel}, {"gpu", "H100"}, {"target_concurrency", 16}}.dump();
  sweep["api_plan_heatmap_64_ms"] = median_ms([&] { keep(headroom::api::plan(plan_request).size()); }, heat_runs);
  sweep["api_plan_heatmap_12_ms"] = median_ms([&] { keep(headroom::api::plan(plan_12).size()); }, heat_runs);
  out["sweep"] = sweep;

  out["runs"] = runs;
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
