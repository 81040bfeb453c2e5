#include "core/log_parser.h"

#include <array>
#include <cstdio>
#include <map>
#include <set>

// Hand-written scanning on string_views, no std::regex: every recogniser is a handful of
// substring searches on one line, so a pasted log of any size costs time linear in its length.
// The line formats are quoted from vLLM's source in docs/vllm-memory-model.md §9.

namespace headroom {
namespace {

// Only the first kMaxLineChars of a line are read. The longest real start-up line (the V1
// engine-config line with its compilation config) stays well under this.
constexpr std::size_t kMaxLineChars = 16384;
constexpr std::size_t kMaxNotes = 100;
constexpr std::size_t kMaxRanks = 256;
// Two GiB figures closer than this are one figure printed at different precision
// ("Loading model weights took 8.5107 GB" and then "model weights take 8.51GiB").
constexpr double kSameGib = 0.005;

using Sv = std::string_view;
constexpr std::size_t npos = Sv::npos;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_word_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

Sv trim(Sv s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

Sv unquote(Sv s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front())
    return s.substr(1, s.size() - 2);
  return s;
}

std::size_t skip_spaces(Sv s, std::size_t pos) {
  while (pos < s.size() && is_space(s[pos])) ++pos;
  return pos;
}

bool has_at(Sv s, std::size_t pos, Sv prefix) {
  return pos <= s.size() && s.substr(pos).starts_with(prefix);
}

// ---- numbers -------------------------------------------------------------------------------

struct Number {
  double value = 0;
  long long integer = 0;  // the integer part, exact
  bool has_fraction = false;
  std::size_t end = 0;  // index just past the number
};

// Reads "-1,048,576.25" at pos: optional sign, digits with optional thousands commas (a comma
// counts only when exactly three digits follow it), optional fraction. vLLM prints token
// counts with f"{n:,}" since 2025, and "715, # CPU blocks" must still stop at the comma.
std::optional<Number> parse_number(Sv s, std::size_t pos) {
  static constexpr std::array<double, 16> kPow10 = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  bool negative = false;
  if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) negative = s[pos++] == '-';
  long long whole = 0;
  int whole_digits = 0;
  std::size_t i = pos;
  while (i < s.size()) {
    if (is_digit(s[i])) {
      if (++whole_digits > 18) return std::nullopt;
      whole = whole * 10 + (s[i++] - '0');
    } else if (s[i] == ',' && whole_digits > 0 && i + 3 < s.size() && is_digit(s[i + 1]) &&
               is_digit(s[i + 2]) && is_digit(s[i + 3]) &&
               (i + 4 == s.size() || !is_digit(s[i + 4]))) {
      ++i;
    } else {
      break;
    }
  }
  if (whole_digits == 0) return std::nullopt;
  Number n;
  long long fraction = 0;
  int fraction_digits = 0;
  if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
    n.has_fraction = true;
    for (++i; i < s.size() && is_digit(s[i]); ++i) {
      if (fraction_digits < 15) {
        fraction = fraction * 10 + (s[i] - '0');
        ++fraction_digits;
      }
    }
  }
  n.integer = negative ? -whole : whole;
  n.value = static_cast<double>(whole) +
            static_cast<double>(fraction) / kPow10[static_cast<std::size_t>(fraction_digits)];
  if (negative) n.value = -n.value;
  n.end = i;
  return n;
}

std::optional<long long> parse_count(Sv s, std::size_t pos, std::size_t* end = nullptr) {
  auto n = parse_number(s, pos);
  if (!n || n->has_fraction || n->integer < 0) return std::nullopt;
  if (end) *end = n->end;
  return n->integer;
}

struct Gib {
  double value = 0;
  bool said_gb = false;  // vLLM's weight lines said "GB" for bytes / 2^30
  std::size_t end = 0;
};

// Reads "<number>GiB", "<number> GiB", "<number>GB" or the v0.6.4 typo "<number>Gib" at pos.
std::optional<Gib> parse_gib(Sv s, std::size_t pos) {
  auto n = parse_number(s, pos);
  if (!n) return std::nullopt;
  std::size_t u = skip_spaces(s, n->end);
  for (Sv unit : {Sv("GiB"), Sv("Gib"), Sv("GB")}) {
    if (has_at(s, u, unit) && (u + unit.size() == s.size() || !is_word_char(s[u + unit.size()])))
      return Gib{n->value, unit == "GB", u + unit.size()};
  }
  return std::nullopt;
}

// Where a value starts after a key: skips "=", ":", "(", quotes, spaces and a "takes"/"is",
// which covers "total_gpu_memory=79.19GiB", "total_gpu_memory (79.19GiB)",
// "non_torch_memory takes 0.26GiB" and "'gpu_memory_utilization': 0.9".
std::size_t value_start(Sv s, std::size_t pos) {
  auto skip_filler = [&](std::size_t p) {
    while (p < s.size() && (is_space(s[p]) || s[p] == '=' || s[p] == ':' || s[p] == '(' ||
                            s[p] == '\'' || s[p] == '"'))
      ++p;
    return p;
  };
  pos = skip_filler(pos);
  for (Sv word : {Sv("takes "), Sv("is ")})
    if (has_at(s, pos, word)) return skip_filler(pos + word.size());
  return pos;
}

// Tries each occurrence of key until what follows it reads as a GiB figure.
std::optional<Gib> gib_after(Sv line, Sv key) {
  for (std::size_t at = line.find(key); at != npos; at = line.find(key, at + 1))
    if (auto g = parse_gib(line, value_start(line, at + key.size()))) return g;
  return std::nullopt;
}

std::optional<Number> number_after(Sv line, Sv key) {
  for (std::size_t at = line.find(key); at != npos; at = line.find(key, at + 1))
    if (auto n = parse_number(line, value_start(line, at + key.size()))) return n;
  return std::nullopt;
}

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
std::string format_value(long long v) { return std::to_string(v); }
std::string format_value(int v) { return std::to_string(v); }
std::string format_value(bool v) { return v ? "true" : "false"; }
std::string format_value(const std::string& v) { return "'" + v + "'"; }

bool same_value(double a, double b) { return a - b < kSameGib && b - a < kSameGib; }
template <typename T>
bool same_value(const T& a, const T& b) {
  return a == b;
}

// ---- the accumulating reader ---------------------------------------------------------------

// Keeps the first value seen for each field and notes where it came from; later lines that
// disagree (another rank, a second start-up in the same paste) are noted, never silently lost.
class Reader {
 public:
  explicit Reader(ParsedLog& log) : log_(log) {}

  ParsedLog& log() { return log_; }

  void begin_line(int line_no, std::string rank) {
    line_no_ = line_no;
    rank_ = std::move(rank);
    matched_ = false;
  }
  bool matched() const { return matched_; }
  const std::string& rank() const { return rank_; }

  // "Free memory on device (" reads better in a note as "Free memory on device".
  static std::string label(Sv source) {
    while (!source.empty() && Sv(" :(=").find(source.back()) != npos) source.remove_suffix(1);
    return std::string(source);
  }

  template <typename T>
  void set(std::optional<T>& field, Sv name, T value, Sv source) {
    matched_ = true;
    if (!field) {
      field = std::move(value);
      first_line_[std::string(name)] = line_no_;
      note(std::string(name) + " = " + format_value(*field) + " (line " + std::to_string(line_no_) +
           where() + ": " + label(source) + ")");
    } else if (!same_value(*field, value)) {
      note(std::string(name) + ": line " + std::to_string(line_no_) + where() + " says " +
           format_value(value) + "; kept " + format_value(*field) + " from line " +
           std::to_string(first_line_[std::string(name)]));
    }
  }

  // A recognised line that sets no field (e.g. a figure reported only as a note).
  void recognised() { matched_ = true; }

  void note(std::string text) {
    if (log_.notes.size() < kMaxNotes) {
      log_.notes.push_back(std::move(text));
    } else if (!notes_capped_) {
      notes_capped_ = true;
      log_.notes.push_back("further notes omitted");
    }
  }

  void note_once(Sv key, std::string text) {
    if (once_.insert(std::string(key)).second) note(std::move(text));
  }

 private:
  std::string where() const { return rank_.empty() ? "" : ", " + rank_; }

  ParsedLog& log_;
  int line_no_ = 0;
  std::string rank_;
  bool matched_ = false;
  bool notes_capped_ = false;
  std::map<std::string, int> first_line_;
  std::set<std::string> once_;
};

void set_gib(Reader& r, std::optional<double> ParsedLog::*field, Sv name, const Gib& g, Sv key) {
  r.set(r.log().*field, name, g.value, key);
  if (g.said_gb)
    r.note_once("GB", "'GB' in vLLM's memory lines means GiB (bytes / 2^30); read as GiB");
}

// ---- memory lines --------------------------------------------------------------------------

struct GibLine {
  Sv key;
  std::optional<double> ParsedLog::*field;
  Sv name;
};

// "<key> <number> GiB" lines, whatever the separator. Several keys per field: one per era.
constexpr GibLine kGibLines[] = {
    // V1 since 2025-03 and the late V0 model_runner: "Model loading took %.4f GiB [memory] and".
    {"Model loading took", &ParsedLog::weights_gib, "weights_gib"},
    // V0 up to v0.10 and V1 until 2025-02: "Loading model weights took %.4f GB".
    {"Loading model weights took", &ParsedLog::weights_gib, "weights_gib"},
    // V0 v0.6.5+ budget f-string, and the tabular layout of the PR #10511 branch.
    {"model weights take", &ParsedLog::weights_gib, "weights_gib"},
    {"weights memory:", &ParsedLog::weights_gib, "weights_gib"},  // DEBUG MemoryProfilingResult
    {"PyTorch activation peak memory", &ParsedLog::activation_gib, "activation_gib"},
    {"torch peak memory increase:", &ParsedLog::activation_gib, "activation_gib"},
    // "non_torch_memory takes" (V0 f-string), "non_torch_memory=" (v0.6.4), tabular (PR #10511).
    {"non_torch_memory", &ParsedLog::non_torch_gib, "non_torch_gib"},
    {"non-torch forward increase memory:", &ParsedLog::non_torch_gib, "non_torch_gib"},
    {"non-torch forward-pass memory:", &ParsedLog::non_torch_gib, "non_torch_gib"},  // V1 <=0.9.0
    {"Available KV cache memory:", &ParsedLog::kv_cache_gib, "kv_cache_gib"},
    {"reserved for KV Cache is", &ParsedLog::kv_cache_gib, "kv_cache_gib"},
    {"kv_cache_size=", &ParsedLog::kv_cache_gib, "kv_cache_gib"},
    {"available_kv_cache_memory", &ParsedLog::kv_cache_gib, "kv_cache_gib"},
    {"available KVCache memory:", &ParsedLog::kv_cache_gib, "kv_cache_gib"},
    {"Current kv cache memory in use is", &ParsedLog::kv_cache_gib, "kv_cache_gib"},
    {"Estimated CUDA graph memory:", &ParsedLog::cudagraph_estimated_gib,
     "cudagraph_estimated_gib"},
    {"total_gpu_memory", &ParsedLog::total_gpu_memory_gib, "total_gpu_memory_gib"},
    {"Initial free memory:", &ParsedLog::free_memory_at_startup_gib, "free_memory_at_startup_gib"},
};

void read_gib_lines(Sv line, Reader& r) {
  for (const GibLine& g : kGibLines)
    if (auto v = gib_after(line, g.key)) set_gib(r, g.field, g.name, *v, g.key);
}

// Figures that look like a memory term but are not one; said in a note so nobody wonders.
void read_absolute_peaks(Sv line, Reader& r) {
  if (auto v = gib_after(line, "peak_torch_memory=")) {
    r.recognised();
    r.note_once("peak_torch_memory",
                "peak_torch_memory=" + format_value(v->value) +
                    " GiB (v0.6.4 format) is torch's absolute peak with the weights in it; "
                    "activation_gib left empty");
  }
  if (auto v = gib_after(line, "Peak torch memory:")) {
    r.recognised();
    r.note_once("Peak torch memory",
                "Peak torch memory: " + format_value(v->value) +
                    " GiB (V1 <=0.9.0 DEBUG) is torch's absolute peak with the weights in it; "
                    "activation_gib left empty");
  }
}

// "Graph capturing finished in %.0f secs, took %.2f GiB" (V0 since 2024-11, and V1).
void read_graph_capture(Sv line, Reader& r) {
  std::size_t at = line.find("Graph capturing finished in ");
  if (at == npos) return;
  std::size_t took = line.find(", took ", at);
  if (took == npos) return;
  if (auto g = parse_gib(line, took + 7))
    set_gib(r, &ParsedLog::cudagraph_gib, "cudagraph_gib", *g,
            "Graph capturing finished ..., took");
}

// v0.18+: "CUDA graph pool memory: %s GiB (actual), %s GiB (estimated), difference: ...".
void read_graph_pool(Sv line, Reader& r) {
  constexpr Sv kKey = "CUDA graph pool memory:";
  std::size_t at = line.find(kKey);
  if (at == npos) return;
  auto actual = parse_gib(line, skip_spaces(line, at + kKey.size()));
  if (!actual || !has_at(line, skip_spaces(line, actual->end), "(actual)")) return;
  set_gib(r, &ParsedLog::cudagraph_gib, "cudagraph_gib", *actual,
          "CUDA graph pool memory (actual)");
  std::size_t next = line.find(',', actual->end);
  if (next == npos) return;
  auto estimated = parse_gib(line, skip_spaces(line, next + 1));
  if (estimated && has_at(line, skip_spaces(line, estimated->end), "(estimated)"))
    set_gib(r, &ParsedLog::cudagraph_estimated_gib, "cudagraph_estimated_gib", *estimated,
            "CUDA graph pool memory (estimated)");
}

// V1 start-up summary (v0.10+): "Free memory on device (78.66/79.19 GiB) on startup. Desired
// GPU memory utilization is (0.9, 71.27 GiB). Actual usage is 14.08 GiB for weight, 1.97 GiB
// for peak activation, 0.07 GiB for non-torch memory, and 0.67 GiB for CUDAGraph memory."
void read_startup_summary(Sv line, Reader& r) {
  constexpr Sv kFree = "Free memory on device (";
  if (std::size_t at = line.find(kFree); at != npos) {
    auto free_gib = parse_number(line, at + kFree.size());
    if (free_gib && has_at(line, free_gib->end, "/")) {
      if (auto total = parse_gib(line, free_gib->end + 1)) {
        r.set(r.log().free_memory_at_startup_gib, "free_memory_at_startup_gib", free_gib->value,
              kFree);
        r.set(r.log().total_gpu_memory_gib, "total_gpu_memory_gib", total->value, kFree);
      }
    }
  }
  // torch's out-of-memory message: "(GPU 0; 12.00 GiB total capacity; ...)".
  if (std::size_t at = line.find("(GPU "); at != npos) {
    std::size_t semi = line.find("; ", at);
    if (semi != npos && semi - at < 12) {
      auto total = parse_gib(line, semi + 2);
      if (total && has_at(line, total->end, " total capacity"))
        r.set(r.log().total_gpu_memory_gib, "total_gpu_memory_gib", total->value,
              "torch OutOfMemoryError");
    }
  }
  for (Sv key : {Sv("Desired GPU memory utilization is ("), Sv("desired GPU memory utilization (")})
    if (auto u = number_after(line, key); u && u->value > 0 && u->value <= 1)
      r.set(r.log().gpu_memory_utilization, "gpu_memory_utilization", u->value, key);

  constexpr Sv kUsage = "Actual usage is ";
  std::size_t at = line.find(kUsage);
  if (at == npos) return;
  struct Term {
    Sv label;
    std::optional<double> ParsedLog::*field;
    Sv name;
  };
  static constexpr Term kTerms[] = {
      {"weight", &ParsedLog::weights_gib, "weights_gib"},
      {"peak activation", &ParsedLog::activation_gib, "activation_gib"},
      {"non-torch memory", &ParsedLog::non_torch_gib, "non_torch_gib"},
      {"CUDAGraph memory", &ParsedLog::cudagraph_gib, "cudagraph_gib"},
  };
  std::size_t pos = at + kUsage.size();
  for (int item = 0; item < 8; ++item) {  // a handful of "<x> GiB for <label>" items
    pos = skip_spaces(line, pos);
    if (has_at(line, pos, "and ")) pos += 4;
    auto g = parse_gib(line, pos);
    if (!g || !has_at(line, g->end, " for ")) return;
    std::size_t label_start = g->end + 5;
    std::size_t label_end = line.find_first_of(",.", label_start);
    if (label_end == npos) label_end = line.size();
    Sv label = trim(line.substr(label_start, label_end - label_start));
    bool known = false;
    for (const Term& t : kTerms) {
      if (label == t.label || (t.label == "weight" && label == "weights")) {
        set_gib(r, t.field, t.name, *g, "Actual usage is ... for " + std::string(label));
        known = true;
      }
    }
    if (!known && label.starts_with("consumed memory")) {
      r.recognised();
      r.note_once("consumed", format_value(g->value) + " GiB for " + std::string(label) +
                                  ": weights and non-torch are not split in this line");
    }
    if (label_end >= line.size() || line[label_end] == '.') return;
    pos = label_end + 1;
  }
}

// ---- KV cache size, blocks, concurrency ---------------------------------------------------

void read_kv_lines(Sv line, Reader& r) {
  constexpr Sv kTokens = "GPU KV cache size: ";  // V1, f"{n:,}" since 2025-02
  if (std::size_t at = line.find(kTokens); at != npos) {
    std::size_t end = 0;
    if (auto n = parse_count(line, at + kTokens.size(), &end); n && has_at(line, end, " tokens"))
      r.set(r.log().kv_cache_tokens, "kv_cache_tokens", *n, "GPU KV cache size");
  }
  // V0's refusal: "... larger than the maximum number of tokens that can be stored in KV cache
  // (81536)". That count is num_gpu_blocks x block_size, the same quantity.
  constexpr Sv kStored = "tokens that can be stored in KV cache (";
  if (std::size_t at = line.find(kStored); at != npos)
    if (auto n = parse_count(line, at + kStored.size()))
      r.set(r.log().kv_cache_tokens, "kv_cache_tokens", *n,
            "tokens that can be stored in KV cache");

  // "# GPU blocks: %d" (v0.5-0.6), "# %s blocks: %d" with "CUDA" and later "cuda" (v0.7+).
  for (Sv key : {Sv("GPU blocks: "), Sv("CUDA blocks: "), Sv("cuda blocks: "), Sv("XPU blocks: "),
                 Sv("xpu blocks: "), Sv("HPU blocks: "), Sv("hpu blocks: ")}) {
    if (std::size_t at = line.find(key); at != npos) {
      if (auto n = parse_count(line, at + key.size()))
        r.set(r.log().num_gpu_blocks, "num_gpu_blocks", *n, "# GPU blocks");
    }
  }
  // V1 v0.11 API server: "vllm cache_config_info with initialization after num_gpu_blocks is: N".
  if (auto n = number_after(line, "num_gpu_blocks is:"); n && !n->has_fraction && n->integer >= 0)
    r.set(r.log().num_gpu_blocks, "num_gpu_blocks", n->integer, "num_gpu_blocks is");
  // "Overriding num_gpu_blocks=%d with num_gpu_blocks_override=%d": the override is what is used.
  if (auto n = number_after(line, "with num_gpu_blocks_override=");
      n && !n->has_fraction && n->integer >= 0)
    r.set(r.log().num_gpu_blocks, "num_gpu_blocks", n->integer, "num_gpu_blocks_override");

  // "Maximum concurrency for %s tokens per request: %.2fx" (L plain in V0, f"{L:,}" in V1).
  constexpr Sv kConcurrency = "Maximum concurrency for ";
  constexpr Sv kPerRequest = " tokens per request: ";
  if (std::size_t at = line.find(kConcurrency); at != npos) {
    std::size_t end = 0;
    auto tokens = parse_count(line, at + kConcurrency.size(), &end);
    if (tokens && has_at(line, end, kPerRequest)) {
      auto x = parse_number(line, end + kPerRequest.size());
      if (x && x->value >= 0 && has_at(line, x->end, "x")) {
        r.set(r.log().max_concurrency, "max_concurrency", x->value, "Maximum concurrency");
        r.set(r.log().max_concurrency_tokens_per_request, "max_concurrency_tokens_per_request",
              *tokens, "Maximum concurrency");
      }
    }
  }
}

// ---- settings ------------------------------------------------------------------------------

std::optional<long long> parse_whole(Sv value) {
  auto n = parse_number(value, 0);
  if (!n || n->has_fraction || n->end != value.size() || n->integer <= 0) return std::nullopt;
  return n->integer;
}

std::optional<int> parse_small(Sv value) {
  auto n = parse_whole(value);
  if (!n || *n > 1'000'000) return std::nullopt;
  return static_cast<int>(*n);
}

// One "key=value" (engine-config line, argparse Namespace) or "'key': value" (non-default args
// dict) item, mapped onto the ParsedLog field of the same vLLM flag name.
void apply_setting(Sv key, Sv value, Sv source, Reader& r) {
  value = unquote(value);
  if (value.empty() || value == "None" || value.size() > 512) return;
  ParsedLog& log = r.log();
  std::string text(value);
  if (key == "model" || key == "model_tag") {
    r.set(log.model, "model", text, source);
  } else if (key == "tensor_parallel_size") {
    if (auto n = parse_small(value))
      r.set(log.tensor_parallel_size, "tensor_parallel_size", *n, source);
  } else if (key == "pipeline_parallel_size") {
    if (auto n = parse_small(value))
      r.set(log.pipeline_parallel_size, "pipeline_parallel_size", *n, source);
  } else if (key == "max_model_len" || key == "max_seq_len") {  // the engine line says max_seq_len
    if (auto n = parse_whole(value)) r.set(log.max_model_len, "max_model_len", *n, source);
  } else if (key == "max_num_seqs") {
    if (auto n = parse_whole(value)) r.set(log.max_num_seqs, "max_num_seqs", *n, source);
  } else if (key == "max_num_batched_tokens") {
    if (auto n = parse_whole(value))
      r.set(log.max_num_batched_tokens, "max_num_batched_tokens", *n, source);
  } else if (key == "block_size") {
    if (auto n = parse_small(value)) r.set(log.block_size, "block_size", *n, source);
  } else if (key == "dtype") {
    if (text.starts_with("torch.")) text.erase(0, 6);
    r.set(log.dtype, "dtype", text, source);
  } else if (key == "kv_cache_dtype") {
    r.set(log.kv_cache_dtype, "kv_cache_dtype", text, source);
  } else if (key == "quantization") {
    r.set(log.quantization, "quantization", text, source);
  } else if (key == "enforce_eager" || key == "skip_mm_profiling") {
    std::optional<bool>& field = key == "enforce_eager" ? log.enforce_eager : log.skip_mm_profiling;
    if (value == "True" || value == "true") r.set(field, key, true, source);
    if (value == "False" || value == "false") r.set(field, key, false, source);
  } else if (key == "gpu_memory_utilization") {
    auto n = parse_number(value, 0);
    if (n && n->end == value.size() && n->value > 0 && n->value <= 1)
      r.set(log.gpu_memory_utilization, "gpu_memory_utilization", n->value, source);
  }
}

void apply_item(Sv item, Sv source, Reader& r) {
  item = trim(item);
  if (item.empty()) return;
  Sv key, value;
  if (item.front() == '\'' || item.front() == '"') {  // 'key': value
    std::size_t close = item.find(item.front(), 1);
    if (close == npos) return;
    key = item.substr(1, close - 1);
    std::size_t colon = skip_spaces(item, close + 1);
    if (colon >= item.size() || item[colon] != ':') return;
    value = item.substr(colon + 1);
  } else {  // key=value
    std::size_t eq = item.find('=');
    if (eq == npos) return;
    key = trim(item.substr(0, eq));
    value = item.substr(eq + 1);
  }
  for (char c : key)
    if (!is_word_char(c)) return;
  apply_setting(key, value, source, r);
}

// Splits a Python repr body at top-level commas (outside quotes and brackets) and stops at the
// bracket that closes it. The paraphrased "a=1 · b=2" form people paste is split at "·" too.
void read_items(Sv body, Sv source, Reader& r) {
  int depth = 0;
  char quote = 0;
  std::size_t start = 0, end = body.size();
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (quote) {
      if (c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      if (depth == 0) {
        end = i;
        break;
      }
      --depth;
    } else if (depth == 0 && c == ',') {
      apply_item(body.substr(start, i - start), source, r);
      start = i + 1;
    } else if (depth == 0 && has_at(body, i, "\xC2\xB7")) {  // U+00B7 middle dot
      apply_item(body.substr(start, i - start), source, r);
      start = i + 2;
      ++i;
    }
  }
  if (start < end) apply_item(body.substr(start, end - start), source, r);
}

// A version token: starts with a digit, ends at a space, bracket or comma.
std::optional<std::string> version_token(Sv line, std::size_t pos) {
  pos = skip_spaces(line, pos);
  if (has_at(line, pos, ":")) pos = skip_spaces(line, pos + 1);
  if (has_at(line, pos, "v")) ++pos;
  std::size_t end = pos;
  while (end < line.size() && end - pos < 80 && !is_space(line[end]) &&
         Sv(")],;'\"").find(line[end]) == npos)
    ++end;
  Sv token = line.substr(pos, end - pos);
  while (!token.empty() && token.back() == '.') token.remove_suffix(1);
  if (token.empty() || !is_digit(token.front())) return std::nullopt;
  return std::string(token);
}

void read_version(Sv line, Reader& r) {
  for (Sv key : {Sv("vLLM API server version"), Sv("LLM engine (v"), Sv("vLLM version"),
                 Sv("vllm version"), Sv("vLLM Version"), Sv("VLLM version")}) {
    std::size_t at = line.find(key);
    if (at == npos) continue;
    std::size_t pos = at + key.size() - (key.ends_with("(v") ? 1 : 0);
    if (auto v = version_token(line, pos)) r.set(r.log().vllm_version, "vllm_version", *v, key);
  }
}

void read_settings(Sv line, Reader& r) {
  // "Initializing a V1 LLM engine (v0.8.3) with config: model='...', ..., dtype=torch.bfloat16,
  // max_seq_len=8192, ..., tensor_parallel_size=2, ..." (V0 and V1 alike).
  if (std::size_t at = line.find("with config: "); at != npos)
    read_items(line.substr(at + 13), "engine config line", r);
  // "non-default args: {'model': 'x', 'max_model_len': 8192, ...}" (v0.9+).
  constexpr Sv kNonDefault = "non-default args: ";
  if (std::size_t at = line.find(kNonDefault); at != npos) {
    std::size_t body = skip_spaces(line, at + kNonDefault.size());
    if (has_at(line, body, "{")) ++body;
    read_items(line.substr(body), "non-default args", r);
  }
  // Older API servers printed every flag: "args: Namespace(host=None, ..., model='x', ...)".
  constexpr Sv kNamespace = "Namespace(";
  if (std::size_t at = line.find(kNamespace); at != npos)
    read_items(line.substr(at + kNamespace.size()), "args: Namespace", r);
  // "Chunked prefill is enabled with max_num_batched_tokens=2048."
  if (auto n = number_after(line, "Chunked prefill is enabled with max_num_batched_tokens=");
      n && !n->has_fraction && n->integer > 0)
    r.set(r.log().max_num_batched_tokens, "max_num_batched_tokens", n->integer, "Chunked prefill");
  // Util from V0's budget line "... x gpu_memory_utilization (0.90) = ...", v0.6.4's
  // "gpu_memory_utilization=0.90", the PR #10511 table, and the v0.18+ advisory.
  for (Sv key : {Sv("gpu_memory_utilization"), Sv("The current --gpu-memory-utilization=")})
    if (auto u = number_after(line, key); u && u->value > 0 && u->value <= 1)
      r.set(r.log().gpu_memory_utilization, "gpu_memory_utilization", u->value, key);
  read_version(line, r);
}

// The device's name, when the log shows it: fused-MoE config files are named after it
// ("E=8,N=2048,device_name=NVIDIA_H100_80GB_HBM3.json"), and nvidia-smi -L prints
// "GPU 0: NVIDIA H100 80GB HBM3 (UUID: ...)".
void read_gpu_name(Sv line, Reader& r) {
  constexpr Sv kDeviceName = "device_name=";
  if (std::size_t at = line.find(kDeviceName); at != npos) {
    std::size_t start = at + kDeviceName.size();
    std::size_t end = start;
    while (end < line.size() && end - start < 120 && (is_word_char(line[end]) || line[end] == '-'))
      ++end;
    std::string name(line.substr(start, end - start));
    for (char& c : name)
      if (c == '_') c = ' ';
    if (!name.empty()) r.set(r.log().gpu_name, "gpu_name", name, "device_name=");
  }
  if (std::size_t at = line.find("GPU ");
      at != npos && at + 4 < line.size() && is_digit(line[at + 4])) {
    std::size_t pos = at + 4;
    while (pos < line.size() && is_digit(line[pos])) ++pos;
    if (!has_at(line, pos, ": ")) return;
    Sv rest = line.substr(pos + 2);
    bool vendor = false;
    for (Sv v : {Sv("NVIDIA"), Sv("AMD"), Sv("Tesla"), Sv("Quadro")}) vendor |= rest.starts_with(v);
    if (!vendor) return;
    rest = trim(rest.substr(0, std::min(rest.find(" ("), std::size_t{120})));
    r.set(r.log().gpu_name, "gpu_name", std::string(rest), "GPU n:");
  }
}

// ---- per-rank prefixes and ANSI colours -----------------------------------------------------

bool has_rank_id(Sv name) {
  if (name.find("rank=") != npos) return true;
  for (std::size_t i = 0; i + 2 < name.size(); ++i) {
    Sv two = name.substr(i, 2);
    if ((two == "TP" || two == "PP" || two == "DP" || two == "EP") && is_digit(name[i + 2]))
      return true;
  }
  return false;
}

// The process prefix vLLM puts before worker lines: "(VllmWorker TP0 pid=123)",
// "(Worker_PP1_TP3 pid=4365)", "(VllmWorker rank=1 pid=9)", "(RayWorkerWrapper pid=1, ip=..)".
// Returns the name without the pid when the name already says which rank it is.
std::string rank_prefix(Sv line) {
  Sv head = line.substr(0, 256);
  std::size_t pid = head.find(" pid=");
  if (pid == npos) return {};
  std::size_t open = head.rfind('(', pid);
  std::size_t close = head.find(')', pid);
  if (open == npos || close == npos) return {};
  Sv name = trim(head.substr(open + 1, pid - open - 1));
  if (name.empty()) return {};
  if (has_rank_id(name)) return std::string(name);
  return std::string(trim(head.substr(open + 1, close - open - 1)));
}

// Copies line into out without colour codes: "\x1b[1;36m" and, when the escape byte was lost
// in a paste, a bare "[1;36m" / "[0m".
void strip_ansi(Sv line, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    bool escape = c == '\x1b' && i + 1 < line.size() && line[i + 1] == '[';
    if (escape || c == '[') {
      std::size_t j = i + (escape ? 2 : 1);
      std::size_t params = j;
      while (j < line.size() && j - params < 16 && (is_digit(line[j]) || line[j] == ';')) ++j;
      bool sgr = j < line.size() && line[j] == 'm' && (escape || j > params);
      if (escape && !sgr) {  // another CSI sequence: drop up to its final byte
        while (j < line.size() && j - params < 16 && !(line[j] >= '@' && line[j] <= '~')) ++j;
        sgr = j < line.size();
      }
      if (sgr) {
        i = j;
        continue;
      }
    }
    out.push_back(c == '\x1b' ? ' ' : c);
  }
}

void read_line(Sv line, int line_no, Reader& r) {
  r.begin_line(line_no, rank_prefix(line));
  read_gib_lines(line, r);
  read_absolute_peaks(line, r);
  read_graph_capture(line, r);
  read_graph_pool(line, r);
  read_startup_summary(line, r);
  read_kv_lines(line, r);
  read_settings(line, r);
  read_gpu_name(line, r);

  ParsedLog& log = r.log();
  if (r.matched()) ++log.lines_recognised;
  const std::string& rank = r.rank();
  if (!rank.empty() && !rank.starts_with("APIServer") && log.ranks_seen.size() < kMaxRanks) {
    bool seen = false;
    for (const auto& s : log.ranks_seen) seen |= s == rank;
    if (!seen) log.ranks_seen.push_back(rank);
  }
}

void parse_lines(Sv text, Reader& r) {
  std::string clean;
  int line_no = 0;
  long long long_lines = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = text.find_first_of("\r\n", i);
    if (end == npos) end = text.size();
    Sv line = text.substr(i, end - i);
    ++line_no;
    if (line.size() > kMaxLineChars) {
      line = line.substr(0, kMaxLineChars);
      ++long_lines;
    }
    strip_ansi(line, clean);
    if (!trim(clean).empty()) read_line(clean, line_no, r);
    i = end + 1;
    if (end + 1 < text.size() && text[end] == '\r' && text[end + 1] == '\n') ++i;  // CRLF
  }
  if (long_lines > 0)
    r.note(std::to_string(long_lines) + " line(s) longer than " + std::to_string(kMaxLineChars) +
           " characters: only their first " + std::to_string(kMaxLineChars) + " were read");
}

}  // namespace

ParsedLog parse_vllm_log(std::string_view text) {
  ParsedLog log;
  try {
    Reader reader(log);
    parse_lines(text, reader);
  } catch (...) {  // only allocation failure can get here; keep what was read
    try {
      log.notes.push_back("parsing stopped early: out of memory");
    } catch (...) {
    }
  }
  return log;
}

}  // namespace headroom
