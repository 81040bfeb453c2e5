// headroom_validate: compares Headroom's estimates with real vLLM start-up logs.
// Prints the per-metric error table (or --json), writes the per-record TSV and, with
// --markdown, regenerates docs/accuracy.md. See scripts/validate.sh.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "tests/validation/harness.h"

namespace fs = std::filesystem;
using namespace headroom::validation;

namespace {

const char* kUsage =
    "usage: headroom_validate [--records FILE] [--map FILE] [--tsv FILE] [--markdown FILE]\n"
    "                         [--json] [--verbose] [--record TEXT] [--write-bounds FILE]\n"
    "  --records   records.jsonl (default tests/validation/records.jsonl)\n"
    "  --map       model map (default tests/validation/model_map.json)\n"
    "  --tsv       per-record comparisons (default build/validation/records.tsv; '-' for none)\n"
    "  --markdown  regenerate this accuracy page, keeping its explanations block\n"
    "  --json      print the summary as JSON (what the bound test reads) instead of tables\n"
    "  --verbose   also list every record: skip reason or assumptions\n"
    "  --record    print the details of records whose id contains TEXT\n"
    "  --write-bounds  write the bound test's bounds.json from the current figures (+10% + 0.5 points)\n";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const fs::path& p, const std::string& text) {
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + p.string());
  out << text;
}

void print_record(const Report& r, const RecordOutcome& rec, bool with_comparisons) {
  std::cout << rec.id << "  [" << rec.model << (rec.gpu.empty() ? "" : ", " + rec.gpu + ", vLLM " + rec.version) << "]  ";
  if (!rec.evaluated) std::cout << "SKIPPED: " << rec.reason << '\n';
  else
    std::cout << (rec.duplicate_of.empty() ? "counted" : "duplicate of " + rec.duplicate_of)
              << (rec.predicted_fits ? (*rec.predicted_fits ? ", fits" : ", does not fit: " + rec.fit_reason) : "")
              << '\n';
  for (const auto& n : rec.notes) std::cout << "    - " << n << '\n';
  if (!with_comparisons) return;
  for (const auto& c : r.comparisons)
    if (c.record_id == rec.id)
      std::cout << "    " << c.metric << ": observed " << c.observed << ", predicted " << c.predicted << " ("
                << c.abs_pct_err << "%)\n";
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path src = HEADROOM_SOURCE_DIR;
  fs::path records = src / "tests/validation/records.jsonl", map = src / "tests/validation/model_map.json";
  fs::path tsv = src / "build/validation/records.tsv", markdown, bounds;
  bool json = false, verbose = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "headroom_validate: " << a << " needs a value\n" << kUsage;
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--records") records = value();
    else if (a == "--map") map = value();
    else if (a == "--tsv") tsv = value();
    else if (a == "--markdown") markdown = value();
    else if (a == "--json") json = true;
    else if (a == "--verbose" || a == "-v") verbose = true;
    else if (a == "--record") only = value();
    else if (a == "--write-bounds") bounds = value();
    else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "headroom_validate: unknown option " << a << '\n' << kUsage;
      return 2;
    }
  }
  try {
    Report r = run_validation_files(records.string(), map.string());
    if (tsv != "-") write(tsv, comparisons_tsv(r));
    if (!markdown.empty()) write(markdown, accuracy_markdown(r, fs::exists(markdown) ? slurp(markdown) : ""));
    if (!bounds.empty()) write(bounds, bounds_json(r, fs::exists(bounds) ? slurp(bounds) : ""));
    if (!only.empty()) {
      for (const auto& rec : r.records)
        if (rec.id.find(only) != std::string::npos) print_record(r, rec, true);
      return 0;
    }
    if (json) {
      std::cout << summary_json(r) << '\n';
      return 0;
    }
    std::cout << text_report(r);
    if (verbose) {
      std::cout << "\nrecords\n";
      for (const auto& rec : r.records) print_record(r, rec, false);
    } else {
      std::cout << "\nskipped\n";
      for (const auto& rec : r.records)
        if (!rec.evaluated) std::cout << "  " << rec.id << ": " << rec.reason << '\n';
    }
    if (tsv != "-") std::cout << "\nper-record comparisons: " << tsv.string() << '\n';
    if (!markdown.empty()) std::cout << "wrote " << markdown.string() << '\n';
    if (!bounds.empty()) std::cout << "wrote " << bounds.string() << '\n';
  } catch (const std::exception& e) {
    std::cerr << "headroom_validate: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
