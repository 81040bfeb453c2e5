#include "tests/validation/harness.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iomanip>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include <nlohmann/json.hpp>

#include "core/api.h"
#include "core/bundled_models.h"
#include "core/errors.h"
#include "core/gpu_catalog.h"

namespace headroom::validation {

using Json = nlohmann::json;

namespace {

// Response key -> observed key. Order is the display order.
const std::vector<std::pair<std::string, std::string>>& metric_keys() {
  static const std::vector<std::pair<std::string, std::string>> k = {
      {"weights_gib", "weights_gib"},         {"activation_gib", "activation_peak_gib"},
      {"non_torch_gib", "non_torch_gib"},     {"cudagraph_gib", "cudagraph_gib"},
      {"kv_cache_gib", "kv_cache_gib"},       {"kv_cache_tokens", "kv_cache_tokens"},
      {"num_gpu_blocks", "num_gpu_blocks"},   {"max_concurrency", "max_concurrency"}};
  return k;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<double> num(const Json& j, const std::string& key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string str(const Json& j, const std::string& key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "fp8 (FP8 checkpoint)" -> "fp8": records sometimes explain a value in parentheses.
std::string first_word(const std::string& s) {
  std::string t = s.substr(0, s.find(" ("));
  t = t.substr(0, t.find(' '));
  return lower(t);
}

// "0.18.0+rhaiv.0" -> "0.18.0"; "0.18.2rc1.dev73+g..." -> "0.18.2".
std::string numeric_version(const std::string& v) {
  std::smatch m;
  static const std::regex re(R"(^v?(\d+\.\d+(\.\d+)?))");
  return std::regex_search(v, m, re) ? m[1].str() : v;
}

std::string minor_of(const std::string& v) {
  std::smatch m;
  static const std::regex re(R"(^v?(\d+\.\d+))");
  return std::regex_search(v, m, re) ? m[1].str() : v;
}

std::string fmt(double v, int digits = 2) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

std::string key_part(const Json& r, const std::string& k) {
  auto it = r.find(k);
  if (it == r.end() || it->is_null()) return "-";
  if (it->is_string()) return lower(it->get<std::string>());
  if (it->is_number_float()) return fmt(it->get<double>(), 4);
  return it->dump();
}

// Applies {"a.b": value} patches to a config; a null value removes the key.
void apply_patch(Json& config, const Json& patch) {
  for (auto& [path, value] : patch.items()) {
    Json* node = &config;
    std::string rest = path;
    for (size_t dot; (dot = rest.find('.')) != std::string::npos; rest = rest.substr(dot + 1)) {
      node = &(*node)[rest.substr(0, dot)];
    }
    if (value.is_null()) node->erase(rest);
    else (*node)[rest] = value;
  }
}

// The rank that limits the KV cache is the one with the most non-KV memory.
Json limiting_rank_observed(const Json& record, std::vector<std::string>& notes) {
  Json obs = record.value("observed", Json::object());
  const Json& ranks = record.contains("per_rank") ? record["per_rank"] : Json();
  if (!ranks.is_array() || ranks.empty()) return obs;
  const Json* best = nullptr;
  double best_total = -1;
  for (const Json& rk : ranks) {
    double total = num(rk, "total_non_kv_cache_gib").value_or(num(rk, "weights_gib").value_or(0) +
                                                              num(rk, "activation_peak_gib").value_or(0) +
                                                              num(rk, "non_torch_gib").value_or(0));
    if (total > best_total) best_total = total, best = &rk;
  }
  for (const char* k : {"weights_gib", "activation_peak_gib", "non_torch_gib"})
    if (best->contains(k)) obs[k] = (*best)[k];
  notes.push_back("per-rank record: weights/activation/non-torch taken from the limiting rank " + str(*best, "rank"));
  return obs;
}

struct MapEntry {
  std::string config;
  std::optional<std::string> quantization;
  Json patch = Json::object();
  std::string note;
};

struct ModelMap {
  std::map<std::string, MapEntry> models;  // record model -> config
  std::map<std::string, std::string> skip_models;
  std::map<std::string, Json> record_overrides;
  std::map<std::string, Json> version_by_source;  // source repo -> {vllm_version, why}
  std::string cudagraph_min_version = "0.18";
};

ModelMap parse_model_map(const std::string& text) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("model_map.json: not valid JSON: ") + e.what());
  }
  ModelMap m;
  const Json models = j.value("models", Json::object()), skips = j.value("skip_models", Json::object()),
             records = j.value("records", Json::object()), sources = j.value("version_by_source", Json::object());
  for (auto& [name, e] : models.items()) {
    MapEntry me;
    if (!e.contains("config") || !e["config"].is_string())
      throw std::runtime_error("model_map.json: models." + name + ".config must be a bundled model id");
    me.config = e["config"];
    if (e.contains("quantization") && e["quantization"].is_string()) me.quantization = e["quantization"];
    me.patch = e.value("config_patch", Json::object());
    me.note = e.value("note", "");
    m.models[name] = me;
  }
  for (auto& [name, why] : skips.items()) m.skip_models[name] = why.get<std::string>();
  for (auto& [id, o] : records.items()) m.record_overrides[id] = o;
  for (auto& [src, o] : sources.items()) m.version_by_source[src] = o;
  m.cudagraph_min_version = j.value("cudagraph_pool_from_version", m.cudagraph_min_version);
  return m;
}

bool version_at_least(const std::string& v, const std::string& min) {
  int a = 0, b = 0, c = 0, d = 0;
  std::sscanf(v.c_str(), "%d.%d", &a, &b);
  std::sscanf(min.c_str(), "%d.%d", &c, &d);
  return std::tie(a, b) >= std::tie(c, d);
}

struct Prepared {
  Json request;
  std::string gpu_id, version, minor;
  bool skip = false;
  std::string reason;
};

// Builds the estimate request for one record, or says why it cannot.
Prepared prepare(const Json& rec, const ModelMap& map, RecordOutcome& out) {
  Prepared p;
  auto fail = [&](const std::string& why) {
    p.skip = true;
    p.reason = why;
    return p;
  };
  const Json over = map.record_overrides.count(out.id) ? map.record_overrides.at(out.id) : Json::object();
  auto field = [&](const std::string& k) -> Json {
    if (over.contains(k)) return over[k];
    return rec.contains(k) ? rec[k] : Json();
  };
  if (over.contains("why")) out.notes.push_back("record assumption: " + over["why"].get<std::string>());
  if (over.contains("skip")) return fail(over["skip"].get<std::string>());

  // Model -> config.
  Json& q = p.request;
  std::optional<std::string> quant;
  if (auto it = map.models.find(out.model); it != map.models.end()) {
    const BundledModel* b = try_find_bundled_model(it->second.config);
    if (!b) return fail("model_map points at " + it->second.config + ", which is not bundled");
    if (it->second.patch.empty()) q["model"] = b->name;
    else {
      Json cfg = Json::parse(b->config_json);
      apply_patch(cfg, it->second.patch);
      q["config"] = cfg.dump();
    }
    quant = it->second.quantization;
    out.notes.push_back("config " + b->name + (quant ? " + quantization " + *quant : "") +
                        (it->second.patch.empty() ? "" : " with " + it->second.patch.dump()) +
                        (it->second.note.empty() ? "" : ": " + it->second.note));
  } else if (auto s = map.skip_models.find(out.model); s != map.skip_models.end()) {
    return fail(s->second);
  } else {
    const BundledModel* b = nullptr;
    for (const auto& bm : bundled_models())
      if (lower(bm.name) == lower(out.model)) b = &bm;
    if (!b) return fail("no bundled config for " + out.model);
    q["model"] = b->name;
  }
  // The record's own quantization counts only when the config does not carry one.
  const BundledModel* base = q.contains("model") ? try_find_bundled_model(q["model"].get<std::string>()) : nullptr;
  const bool config_quantized = base ? Json::parse(base->config_json).contains("quantization_config")
                                     : Json::parse(q["config"].get<std::string>()).contains("quantization_config");
  if (!quant && !config_quantized) {
    Json rq = field("quantization");
    if (rq.is_string() && !rq.get<std::string>().empty()) {
      std::string w = first_word(rq);
      if (w == "compressed-tensors" || w == "modelopt")
        return fail("quantization " + rq.get<std::string>() + " needs the checkpoint's config, which is not bundled");
      quant = w;
    }
  }
  if (quant) q["quantization"] = *quant;

  // GPU.
  Json g = field("gpu");
  if (!g.is_string()) return fail("GPU not stated");
  std::string gname = g.get<std::string>();
  gname = gname.substr(0, gname.find(" ("));
  try {
    const Gpu& gpu = find_gpu(gname);
    p.gpu_id = gpu.id;
    q["gpu"] = gpu.id;
    if (auto total = num(rec, "gpu_total_gib"); total && std::fabs(*total - gpu.memory_gib) > 0.3)
      out.notes.push_back("logged total " + fmt(*total) + " GiB differs from the catalogue's " + fmt(gpu.memory_gib) +
                          " GiB for " + gpu.id);
  } catch (const InputError&) {
    return fail("GPU \"" + gname + "\" is not in the catalogue");
  }

  // Version: the record's, else a documented assumption.
  Json v = field("vllm_version");
  if (v.is_string()) {
    p.version = v.get<std::string>();
    p.minor = minor_of(p.version);
  } else {
    std::string src = rec.contains("source") && rec["source"].is_object() ? str(rec["source"], "repo") : "";
    auto it = map.version_by_source.find(src);
    if (it == map.version_by_source.end()) return fail("vLLM version not stated and no assumption recorded in model_map.json");
    p.version = it->second.value("vllm_version", "");
    p.minor = minor_of(p.version) + " (assumed)";
    out.notes.push_back("vLLM version assumed " + p.version + ": " + it->second.value("why", ""));
  }
  if (over.contains("vllm_version")) p.minor = minor_of(p.version) + " (assumed)";
  q["vllm_version"] = p.version;

  // Parallelism. TP unknown on a multi-GPU run cannot be guessed.
  Json tp = field("tp"), pp = field("pp"), ng = field("num_gpus");
  if (!tp.is_number_integer()) {
    if (ng.is_number_integer() && ng.get<int>() == 1) tp = 1;
    else return fail("tensor parallel size not stated (or not an integer)");
  }
  q["tensor_parallel_size"] = tp;
  q["pipeline_parallel_size"] = pp.is_number_integer() ? pp : Json(1);
  if (Json dp = field("dp"); dp.is_number_integer() && dp.get<int>() > 1)
    out.notes.push_back("data parallel " + dp.dump() + ": Headroom estimates one replica");

  for (const char* k : {"max_model_len", "max_num_seqs", "max_num_batched_tokens", "block_size"})
    if (Json x = field(k); x.is_number_integer()) q[k] = x;
  if (Json x = field("gpu_memory_utilization"); x.is_number()) q["gpu_memory_utilization"] = x;
  if (Json x = field("enforce_eager"); x.is_boolean()) q["enforce_eager"] = x;
  if (Json x = field("kv_cache_dtype"); x.is_string()) q["kv_cache_dtype"] = first_word(x);
  if (Json x = field("dtype"); x.is_string()) q["dtype"] = first_word(x);
  if (Json x = field("entrypoint"); x.is_string()) q["entrypoint"] = x;
  // vLLM flags a record keeps among its extra arguments, where they change the answer.
  const Json extra = field("extra_args");
  const Json skip = extra.is_object() ? extra.value("skip-mm-profiling", Json()) : Json();
  const bool skip_mm = skip == true || skip == "True" || skip == "true";
  if (skip_mm) q["skip_mm_profiling"] = true;
  if (Json x = rec.value("cudagraph_mode", Json()); x.is_string() && x != "FULL_AND_PIECEWISE")
    out.notes.push_back("cudagraph_mode " + x.get<std::string>() + " is not modelled");

  // Dedup key: the settings that change the answer, with the version cut to its minor.
  std::ostringstream key;
  key << lower(out.model) << '|' << p.gpu_id;
  for (const char* k : {"tp", "pp", "dp", "max_model_len", "gpu_memory_utilization", "max_num_seqs", "max_num_batched_tokens",
                        "kv_cache_dtype", "enforce_eager", "quantization", "dtype", "block_size"}) {
    Json x = field(k);
    Json tmp = {{"v", x}};
    key << '|' << key_part(tmp, "v");
  }
  key << '|' << skip_mm << '|' << minor_of(p.version);
  out.dedup_key = key.str();
  return p;
}

// Calls the core, retrying once with the version's local suffix stripped.
Json call_estimate(Json& request, std::vector<std::string>& notes) {
  Json resp = Json::parse(api::estimate(request.dump()));
  if (!resp.value("ok", false) && resp["error"].value("field", "") == "vllm_version") {
    std::string stripped = numeric_version(request["vllm_version"].get<std::string>());
    if (stripped != request["vllm_version"].get<std::string>()) {
      notes.push_back("vLLM version " + request["vllm_version"].get<std::string>() + " read as " + stripped);
      request["vllm_version"] = stripped;
      resp = Json::parse(api::estimate(request.dump()));
    }
  }
  return resp;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::map<std::string, std::vector<MetricSummary>> summarize_by(
    const std::vector<Comparison>& cs, const std::function<std::string(const Comparison&)>& group) {
  std::map<std::string, std::vector<Comparison>> g;
  for (const auto& c : cs)
    if (c.counted) g[group(c)].push_back(c);
  std::map<std::string, std::vector<MetricSummary>> out;
  for (auto& [k, v] : g) out[k] = summarize(v);
  return out;
}

const MetricSummary* find_metric(const std::vector<MetricSummary>& s, const std::string& m) {
  for (const auto& x : s)
    if (x.metric == m) return &x;
  return nullptr;
}

// "0.4" before "0.10": digit runs compare as numbers.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t i2 = i, j2 = j;
      while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2]))) ++i2;
      while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2]))) ++j2;
      long x = std::stol(a.substr(i, i2 - i)), y = std::stol(b.substr(j, j2 - j));
      if (x != y) return x < y;
      i = i2, j = j2;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

// Rows = groups, columns = metrics, cells = "mean% (n)".
std::string breakdown_table(const std::map<std::string, std::vector<MetricSummary>>& by, const std::string& title,
                            bool markdown) {
  std::ostringstream o;
  if (markdown) {
    o << "| " << title << " |";
    for (const auto& m : metric_names()) o << ' ' << m << " |";
    o << "\n|---|";
    for (size_t i = 0; i < metric_names().size(); ++i) o << "---:|";
    o << '\n';
  } else {
    o << std::left << std::setw(18) << title;
    for (const auto& m : metric_names()) o << std::right << std::setw(16) << m;
    o << '\n';
  }
  std::vector<std::string> groups;
  for (const auto& [group, sums] : by) groups.push_back(group);
  std::sort(groups.begin(), groups.end(), natural_less);
  for (const auto& group : groups) {
    const auto& sums = by.at(group);
    if (markdown) o << "| " << group << " |";
    else o << std::left << std::setw(18) << group;
    for (const auto& m : metric_names()) {
      const MetricSummary* s = find_metric(sums, m);
      std::string cell = s && s->count ? fmt(s->mean_abs_pct, 1) + "% (" + std::to_string(s->count) + ")" : "-";
      if (markdown) o << ' ' << cell << " |";
      else o << std::right << std::setw(16) << cell;
    }
    o << '\n';
  }
  return o.str();
}

}  // namespace

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> n = [] {
    std::vector<std::string> v;
    for (const auto& [resp, obs] : metric_keys()) v.push_back(resp);
    return v;
  }();
  return n;
}

namespace {
void process_record(Json rec, const ModelMap& map, Report& report, std::map<std::string, std::string>& first_with_key);
}  // namespace

Report run_validation(const std::string& records_jsonl, const std::string& model_map_json) {
  const ModelMap map = parse_model_map(model_map_json);
  Report report;
  report.assumptions.push_back("Duplicates: records with the same model, GPU, TP, PP, DP, max_model_len, utilization, "
                               "max_num_seqs, max_num_batched_tokens, KV dtype, enforce_eager, quantization, dtype, "
                               "block size and vLLM minor count once (the first in the file).");
  report.assumptions.push_back("CUDA graphs: compared only where the logged figure is > 0 and the version is >= " +
                               map.cudagraph_min_version + " (before that the log printed a free-memory difference, "
                               "not the pool).");
  report.assumptions.push_back("Per-rank records: weights, activation and non-torch of the rank with the most non-KV "
                               "memory (the one that limits the KV cache); the response's top level is that rank too.");
  report.assumptions.push_back("Failed starts: only memory failures (status failed_no_kv_memory, failed_oom_*) must be "
                               "predicted not to fit; an estimate that refuses the settings counts as not fitting.");
  for (const auto& [src, o] : map.version_by_source)
    report.assumptions.push_back("Records from " + src + " without a version: vLLM " + o.value("vllm_version", "") +
                                 " assumed (" + o.value("why", "") + ").");

  std::map<std::string, std::string> first_with_key;
  std::istringstream in(records_jsonl);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json rec;
    try {
      rec = Json::parse(line);
    } catch (const std::exception& e) {
      throw std::runtime_error("records.jsonl line " + std::to_string(line_no) + ": " + e.what());
    }
    if (!rec.is_object()) throw std::runtime_error("records.jsonl line " + std::to_string(line_no) + ": not a JSON object");
    try {
      process_record(rec, map, report, first_with_key);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error("records.jsonl line " + std::to_string(line_no) + " (" + str(rec, "id") +
                               "): unexpected field type: " + e.what());
    }
  }
  return report;
}

namespace {

void process_record(Json rec, const ModelMap& map, Report& report, std::map<std::string, std::string>& first_with_key) {
  {
    RecordOutcome out;
    out.id = str(rec, "id");
    out.model = str(rec, "model");
    if (auto o = map.record_overrides.find(out.id); o != map.record_overrides.end() && o->second.contains("status"))
      rec["status"] = o->second["status"];
    out.status = rec.contains("status") && rec["status"].is_string() ? rec["status"].get<std::string>() : "ok";
    out.failed_start = out.status.rfind("failed_no_kv", 0) == 0 || out.status.rfind("failed_oom", 0) == 0;
    if (out.status.rfind("failed_", 0) == 0 && !out.failed_start)
      out.notes.push_back("failure " + out.status + " is not a memory failure: not checked against fits");

    Prepared p = prepare(rec, map, out);
    if (p.skip) {
      out.reason = p.reason;
      report.records.push_back(out);
      return;
    }
    Json resp = call_estimate(p.request, out.notes);
    out.gpu = p.gpu_id;
    out.version = p.request["vllm_version"].get<std::string>();
    if (!resp.value("ok", false)) {
      std::string err = resp["error"].value("field", "") + ": " + resp["error"].value("message", "");
      if (out.failed_start) {
        out.evaluated = true;
        out.predicted_fits = false;
        out.fit_reason = "estimate refused: " + err;
      } else {
        out.reason = "estimate refused (" + err + ")";
      }
      report.records.push_back(out);
      return;
    }
    out.evaluated = true;
    out.predicted_fits = resp.value("fits", true);
    out.fit_reason = resp.value("fit_reason", "");
    auto [it, fresh] = first_with_key.emplace(out.dedup_key, out.id);
    if (!fresh) out.duplicate_of = it->second;

    const Json obs = limiting_rank_observed(rec, out.notes);
    const int64_t used_len = resp["settings"].value("max_model_len", int64_t{0});
    for (const auto& [metric, okey] : metric_keys()) {
      std::optional<double> o;
      if (okey == "max_concurrency" && obs.contains(okey) && obs[okey].is_object()) {
        o = num(obs[okey], "value");
        auto tpr = num(obs[okey], "tokens_per_request");
        if (tpr && static_cast<int64_t>(*tpr) != used_len) o.reset();
      } else {
        o = num(obs, okey);
      }
      if (!o || *o <= 0) continue;
      if (metric == "cudagraph_gib" && !version_at_least(p.version, map.cudagraph_min_version)) continue;
      auto pred = num(resp, metric);
      if (!pred) continue;
      Comparison c;
      c.record_id = out.id;
      c.model = out.model;
      c.gpu = p.gpu_id;
      c.version = p.request["vllm_version"].get<std::string>() + (p.minor.find("assumed") != std::string::npos ? "*" : "");
      c.minor = p.minor;
      c.metric = metric;
      c.observed = *o;
      c.predicted = *pred;
      c.abs_pct_err = std::fabs(*pred - *o) / std::fabs(*o) * 100.0;
      c.counted = out.duplicate_of.empty();
      report.comparisons.push_back(c);
    }
    report.records.push_back(out);
  }
}

}  // namespace

Report run_validation_files(const std::string& records_path, const std::string& model_map_path) {
  return run_validation(read_file(records_path), read_file(model_map_path));
}

std::vector<MetricSummary> summarize(const std::vector<Comparison>& cs) {
  std::vector<MetricSummary> out;
  for (const auto& m : metric_names()) {
    MetricSummary s;
    s.metric = m;
    std::vector<double> errs;
    double abs_sum = 0;
    int under = 0;
    for (const auto& c : cs) {
      if (!c.counted || c.metric != m) continue;
      errs.push_back(c.abs_pct_err);
      abs_sum += std::fabs(c.predicted - c.observed);
      if (c.predicted < c.observed) ++under;
      if (c.abs_pct_err > s.worst_abs_pct || s.worst_id.empty()) s.worst_abs_pct = c.abs_pct_err, s.worst_id = c.record_id;
    }
    s.count = static_cast<int>(errs.size());
    if (s.count) {
      double sum = 0;
      for (double e : errs) sum += e;
      s.mean_abs_pct = sum / s.count;
      s.median_abs_pct = median(errs);
      s.mean_abs_err = abs_sum / s.count;
      s.under_share = static_cast<double>(under) / s.count;
    }
    out.push_back(s);
  }
  return out;
}

std::map<std::string, std::vector<MetricSummary>> summarize_by_gpu(const std::vector<Comparison>& cs) {
  return summarize_by(cs, [](const Comparison& c) { return c.gpu; });
}

std::map<std::string, std::vector<MetricSummary>> summarize_by_version(const std::vector<Comparison>& cs) {
  return summarize_by(cs, [](const Comparison& c) { return c.minor; });
}

std::vector<const RecordOutcome*> failed_starts_predicted_to_fit(const Report& r) {
  std::vector<const RecordOutcome*> out;
  for (const auto& rec : r.records)
    if (rec.failed_start && rec.evaluated && rec.predicted_fits.value_or(true)) out.push_back(&rec);
  return out;
}

std::string comparisons_tsv(const Report& r) {
  std::ostringstream o;
  o << "id\tmodel\tgpu\tversion\tmetric\tobserved\tpredicted\tabs_pct_err\tcounted\n";
  for (const auto& c : r.comparisons)
    o << c.record_id << '\t' << c.model << '\t' << c.gpu << '\t' << c.version << '\t' << c.metric << '\t'
      << fmt(c.observed, 3) << '\t' << fmt(c.predicted, 3) << '\t' << fmt(c.abs_pct_err, 2) << '\t'
      << (c.counted ? "yes" : "duplicate") << '\n';
  return o.str();
}

std::string summary_table(const std::vector<MetricSummary>& s) {
  std::ostringstream o;
  o << std::left << std::setw(17) << "metric" << std::right << std::setw(5) << "n" << std::setw(9) << "mean%"
    << std::setw(9) << "median%" << std::setw(12) << "mean|err|" << std::setw(9) << "worst%" << std::setw(8)
    << "under%" << "  worst record\n";
  for (const auto& m : s) {
    o << std::left << std::setw(17) << m.metric << std::right << std::setw(5) << m.count;
    if (!m.count) {
      o << "        -\n";
      continue;
    }
    o << std::setw(9) << fmt(m.mean_abs_pct, 1) << std::setw(9) << fmt(m.median_abs_pct, 1) << std::setw(12)
      << fmt(m.mean_abs_err, m.mean_abs_err >= 100 ? 0 : 3) << std::setw(9) << fmt(m.worst_abs_pct, 1) << std::setw(8)
      << fmt(m.under_share * 100, 0) << "  " << m.worst_id << '\n';
  }
  return o.str();
}

namespace {

struct Counts {
  int total = 0, evaluated = 0, counted = 0, duplicates = 0, skipped = 0;
};

Counts count(const Report& r) {
  Counts c;
  for (const auto& rec : r.records) {
    ++c.total;
    if (!rec.evaluated) ++c.skipped;
    else if (!rec.duplicate_of.empty()) ++c.duplicates, ++c.evaluated;
    else ++c.counted, ++c.evaluated;
  }
  return c;
}

std::vector<const Comparison*> biggest_misses(const Report& r, size_t n) {
  std::vector<const Comparison*> v;
  for (const auto& c : r.comparisons)
    if (c.counted) v.push_back(&c);
  std::sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->abs_pct_err > b->abs_pct_err; });
  if (v.size() > n) v.resize(n);
  return v;
}

}  // namespace

std::string text_report(const Report& r) {
  std::ostringstream o;
  Counts c = count(r);
  o << "records " << c.total << ": evaluated " << c.evaluated << " (" << c.counted << " counted, " << c.duplicates
    << " duplicates), skipped " << c.skipped << "\n\n";
  o << summary_table(summarize(r.comparisons)) << '\n';
  o << "mean abs % error (n) per GPU\n" << breakdown_table(summarize_by_gpu(r.comparisons), "gpu", false) << '\n';
  o << "mean abs % error (n) per vLLM version\n"
    << breakdown_table(summarize_by_version(r.comparisons), "version", false) << '\n';
  auto bad = failed_starts_predicted_to_fit(r);
  o << "failed starts predicted to fit: " << bad.size() << '\n';
  for (auto* b : bad) o << "  " << b->id << " (" << b->status << ")\n";
  for (const auto& rec : r.records)
    if (rec.failed_start && rec.evaluated && !rec.predicted_fits.value_or(true))
      o << "  ok: " << rec.id << " predicted not to fit (" << rec.fit_reason << ")\n";
  o << "\nbiggest misses\n";
  for (auto* m : biggest_misses(r, 10))
    o << "  " << std::left << std::setw(15) << m->metric << std::right << std::setw(9) << fmt(m->abs_pct_err, 1)
      << "%  obs " << fmt(m->observed, 2) << " pred " << fmt(m->predicted, 2) << "  " << m->record_id << '\n';
  return o.str();
}

std::string summary_json(const Report& r) {
  Json j;
  Counts c = count(r);
  j["records"] = c.total;
  j["evaluated"] = c.evaluated;
  j["counted"] = c.counted;
  j["duplicates"] = c.duplicates;
  j["skipped"] = c.skipped;
  auto put = [](const std::vector<MetricSummary>& s) {
    Json m = Json::object();
    for (const auto& x : s)
      m[x.metric] = {{"count", x.count},          {"mean_abs_pct", x.mean_abs_pct}, {"median_abs_pct", x.median_abs_pct},
                     {"mean_abs_err", x.mean_abs_err}, {"worst_abs_pct", x.worst_abs_pct}, {"worst_id", x.worst_id},
                     {"under_share", x.under_share}};
    return m;
  };
  j["metrics"] = put(summarize(r.comparisons));
  for (auto& [g, s] : summarize_by_gpu(r.comparisons)) j["by_gpu"][g] = put(s);
  for (auto& [v, s] : summarize_by_version(r.comparisons)) j["by_version"][v] = put(s);
  j["failed_start_predicted_fit"] = Json::array();
  for (auto* b : failed_starts_predicted_to_fit(r)) j["failed_start_predicted_fit"].push_back(b->id);
  j["skipped_records"] = Json::array();
  for (const auto& rec : r.records)
    if (!rec.evaluated) j["skipped_records"].push_back({{"id", rec.id}, {"model", rec.model}, {"reason", rec.reason}});
  j["assumptions"] = r.assumptions;
  return j.dump(2);
}

std::string bounds_json(const Report& r, const std::string& previous) {
  auto round2 = [](double v) { return std::ceil(v * 100.0) / 100.0; };
  // Sections written by hand (known_failed_start_misses) are kept; only the bounds are reset.
  Json j = previous.empty() ? Json::object() : Json::parse(previous, nullptr, false);
  if (!j.is_object()) throw std::runtime_error("the bounds file to rewrite is not a JSON object; fix or delete it first");
  j.erase("metrics");
  j["_about"] = "Upper bounds on the mean absolute % error per metric over the deduplicated records, checked by "
                "test_accuracy_bounds.cpp; min_count stops a bound from passing on fewer records. Written by "
                "headroom_validate --write-bounds as current * 1.1 + 0.5 points (GiB errors: current * 1.1 + 0.05); "
                "tighten by hand as the model improves.";
  for (const auto& m : summarize(r.comparisons)) {
    if (!m.count) continue;
    Json b = {{"min_count", m.count}, {"max_mean_abs_pct", round2(m.mean_abs_pct * 1.1 + 0.5)}};
    if (m.metric.size() > 4 && m.metric.substr(m.metric.size() - 4) == "_gib")
      b["max_mean_abs_err"] = round2(m.mean_abs_err * 1.1 + 0.05);
    j["metrics"][m.metric] = b;
  }
  return j.dump(2) + "\n";
}

std::string accuracy_markdown(const Report& r, const std::string& previous) {
  static const std::string open = "<!-- explanations -->", close = "<!-- /explanations -->";
  std::string kept = "\n_(the lead writes the explanations of the biggest misses here; the generator keeps this "
                     "block)_\n";
  if (auto a = previous.find(open); a != std::string::npos)
    if (auto b = previous.find(close, a); b != std::string::npos) kept = previous.substr(a + open.size(), b - a - open.size());

  std::ostringstream o;
  Counts c = count(r);
  o << "# Accuracy against real vLLM start-up logs\n\n"
    << "<!-- Generated by scripts/validate.sh (tests/validation/harness.cpp). Edit only inside the explanations "
       "block. -->\n\n"
    << "Headroom's estimate compared with " << c.total << " logged vLLM start-ups (`tests/validation/records.jsonl`): "
    << c.evaluated << " evaluated, of which " << c.counted << " count and " << c.duplicates
    << " repeat an earlier record's model and settings on another build; " << c.skipped
    << " skipped (listed below). Error = |predicted - observed| / observed, per record and metric.\n\n";
  o << "## Per metric\n\n| metric | n | mean abs % | median abs % | mean abs error | worst % (record) | under-predicted |\n"
    << "|---|---:|---:|---:|---:|---|---:|\n";
  for (const auto& m : summarize(r.comparisons)) {
    if (!m.count) {
      o << "| " << m.metric << " | 0 | - | - | - | - | - |\n";
      continue;
    }
    o << "| " << m.metric << " | " << m.count << " | " << fmt(m.mean_abs_pct, 1) << " | " << fmt(m.median_abs_pct, 1)
      << " | " << fmt(m.mean_abs_err, m.mean_abs_err >= 100 ? 0 : 3) << " | " << fmt(m.worst_abs_pct, 1) << " ("
      << m.worst_id << ") | " << fmt(m.under_share * 100, 0) << "% |\n";
  }
  o << "\nGiB metrics' mean abs error is in GiB; tokens, blocks and concurrency in their own units.\n\n";
  o << "## Per GPU (mean abs %, n)\n\n" << breakdown_table(summarize_by_gpu(r.comparisons), "GPU", true) << '\n';
  o << "## Per vLLM version (mean abs %, n)\n\n"
    << breakdown_table(summarize_by_version(r.comparisons), "vLLM", true) << '\n';
  auto bad = failed_starts_predicted_to_fit(r);
  o << "## Failed starts\n\n";
  int n_failed = 0;
  for (const auto& rec : r.records)
    if (rec.failed_start) {
      ++n_failed;
      o << "- `" << rec.id << "` (" << rec.status << "): "
        << (!rec.evaluated ? "not evaluated (" + rec.reason + ")"
            : rec.predicted_fits.value_or(true) ? "**predicted to fit** (a miss)"
                                                : "predicted not to fit (" + rec.fit_reason + ")")
        << '\n';
    }
  if (!n_failed) o << "None in the data.\n";
  o << "\n## Biggest misses\n\n| # | record | metric | observed | predicted | abs % |\n|---:|---|---|---:|---:|---:|\n";
  int i = 0;
  for (auto* m : biggest_misses(r, 10))
    o << "| " << ++i << " | `" << m->record_id << "` (" << m->model << ", " << m->gpu << ", " << m->version << ") | "
      << m->metric << " | " << fmt(m->observed, 2) << " | " << fmt(m->predicted, 2) << " | " << fmt(m->abs_pct_err, 1)
      << " |\n";
  o << '\n' << open << kept << close << "\n\n";
  o << "## Assumptions\n\n";
  for (const auto& a : r.assumptions) o << "- " << a << '\n';
  o << "\nPer-record assumptions (model mapping, GPU, version) are in `tests/validation/model_map.json` and in the "
       "notes of `headroom_validate --verbose`.\n\n";
  o << "## Skipped records\n\n| record | model | reason |\n|---|---|---|\n";
  for (const auto& rec : r.records)
    if (!rec.evaluated) o << "| `" << rec.id << "` | " << rec.model << " | " << rec.reason << " |\n";
  return o.str();
}

}  // namespace headroom::validation
