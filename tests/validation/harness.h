#pragma once
// The accuracy harness: runs headroom::api::estimate on every real vLLM start-up record
// (tests/validation/records.jsonl) and compares each predicted term with the logged one.
// Shared by the headroom_validate tool and the Catch2 bound test, so both see one computation.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace headroom::validation {

// One observed-vs-predicted pair.
struct Comparison {
  std::string record_id;
  std::string model;
  std::string gpu;      // catalogue id
  std::string version;  // the version the estimate used ("0.10.2*" when assumed)
  std::string minor;    // "0.19", "0.10 (assumed)": the breakdown key
  std::string metric;
  double observed = 0;
  double predicted = 0;
  double abs_pct_err = 0;  // |predicted - observed| / |observed| * 100
  bool counted = true;     // false for a duplicate of an earlier record (same dedup key)
};

// What happened to one record.
struct RecordOutcome {
  std::string id;
  std::string model;
  std::string status;      // record status ("ok", "failed_...")
  std::string gpu, version;  // what the estimate used
  bool evaluated = false;  // false: skipped (reason says why)
  std::string reason;      // skip reason, or "" when evaluated
  std::vector<std::string> notes;  // assumptions made for this record
  std::string dedup_key;
  std::string duplicate_of;  // id of the first record with the same key, or ""
  bool failed_start = false;       // a memory failure: must be predicted not to fit
  std::optional<bool> predicted_fits;
  std::string fit_reason;
};

struct MetricSummary {
  std::string metric;
  int count = 0;
  double mean_abs_pct = 0;
  double median_abs_pct = 0;
  double mean_abs_err = 0;  // in the metric's own unit (GiB, tokens, ...)
  double worst_abs_pct = 0;
  std::string worst_id;
  double under_share = 0;   // share of pairs with predicted < observed
};

struct Report {
  std::vector<RecordOutcome> records;
  std::vector<Comparison> comparisons;
  std::vector<std::string> assumptions;  // global, documented assumptions
};

// Metrics in display order.
const std::vector<std::string>& metric_names();

// Runs every record. records_jsonl: the JSONL text; model_map_json: tests/validation/model_map.json.
// Throws std::runtime_error naming the file and line on malformed input.
Report run_validation(const std::string& records_jsonl, const std::string& model_map_json);

// Reads the two files and runs them.
Report run_validation_files(const std::string& records_path, const std::string& model_map_path);

// Per-metric figures over the counted (deduplicated) comparisons that pass `keep`.
std::vector<MetricSummary> summarize(const std::vector<Comparison>& cs);

// Groups counted comparisons by GPU or by version minor, then summarizes each group.
std::map<std::string, std::vector<MetricSummary>> summarize_by_gpu(const std::vector<Comparison>& cs);
std::map<std::string, std::vector<MetricSummary>> summarize_by_version(const std::vector<Comparison>& cs);

// Failed-start records that the estimate says fit (the must-be-empty list).
std::vector<const RecordOutcome*> failed_starts_predicted_to_fit(const Report& r);

// Output formats.
std::string comparisons_tsv(const Report& r);
std::string summary_table(const std::vector<MetricSummary>& s);  // fixed-width text
std::string text_report(const Report& r);                        // everything a terminal needs
std::string summary_json(const Report& r);                       // --json
// tests/validation/bounds.json from the current figures: current * 1.1 + 0.5 points (GiB: + 0.05).
// Keeps every other section of `previous` (the file as it was).
std::string bounds_json(const Report& r, const std::string& previous = "");
// docs/accuracy.md; keeps what `previous` had between the explanation markers.
std::string accuracy_markdown(const Report& r, const std::string& previous);

}  // namespace headroom::validation
