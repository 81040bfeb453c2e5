#include "core/vllm_version.h"

#include <cctype>
#include <tuple>

#include "core/errors.h"

namespace headroom {

bool VllmVersion::operator<(const VllmVersion& o) const {
  return std::tie(major, minor, patch) < std::tie(o.major, o.minor, o.patch);
}

bool VllmVersion::at_least(int ma, int mi, int pa) const {
  return !(*this < VllmVersion{ma, mi, pa, ""});
}

const std::vector<std::string>& known_vllm_versions() {
  // Releases whose memory rules the reference documents (newest first).
  static const std::vector<std::string> v = {
      "0.21.0", "0.20.0", "0.19.0", "0.18.0", "0.17.0", "0.16.0", "0.15.0", "0.14.0", "0.13.0",
      "0.12.0", "0.11.0", "0.10.2", "0.10.0", "0.9.2",  "0.9.1",  "0.9.0",  "0.8.5",  "0.8.4",
      "0.8.0",  "0.7.3",  "0.7.0",  "0.6.6",  "0.6.4",  "0.6.3",  "0.6.0",  "0.5.0",  "0.4.3"};
  return v;
}

std::string newest_vllm_version() { return known_vllm_versions().front(); }

namespace {

VllmVersion parse_version(std::string_view text) {
  std::string t(text.substr(0, 64));
  if (!t.empty() && (t[0] == 'v' || t[0] == 'V')) t.erase(0, 1);
  VllmVersion v;
  v.text = t;
  int* parts[3] = {&v.major, &v.minor, &v.patch};
  size_t i = 0;
  int part = 0;
  bool any = false;
  while (i < t.size() && part < 3) {
    if (!std::isdigit(static_cast<unsigned char>(t[i]))) break;
    long n = 0;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) && n < 100000) n = n * 10 + (t[i++] - '0');
    *parts[part++] = static_cast<int>(n);
    any = true;
    if (i < t.size() && t[i] == '.') ++i;
    else break;
  }
  if (!any || part < 2)
    throw InputError("vllm_version", "vllm_version: \"" + t + "\" is not a version like 0.19.0");
  return v;
}

}  // namespace

VersionRules rules_for(std::string_view text) {
  VersionRules r;
  std::string_view t = text;
  const bool latest = t.empty() || t == "latest";
  r.version = parse_version(latest ? std::string_view(newest_vllm_version()) : t);
  const VllmVersion& v = r.version;
  if (!v.at_least(0, 4, 0))
    throw InputError("vllm_version", "vllm_version: " + v.text + " is older than 0.4, which Headroom does not model");
  if (v.major > 0 || v.minor > 40)
    throw InputError("vllm_version", "vllm_version: " + v.text + " is not a vLLM version Headroom knows (newest known: " +
                                         newest_vllm_version() + ")");
  if (!latest && v.at_least(0, 22, 0)) {
    r.notes.push_back("vLLM " + v.text + " is newer than the newest version Headroom's rules were read from (" +
                      newest_vllm_version() + "): its rules are assumed unchanged");
  }

  r.v1 = v.at_least(0, 8, 0);
  if (!r.v1) r.era = !v.at_least(0, 6, 4) ? BudgetEra::E1 : !v.at_least(0, 6, 5) ? BudgetEra::E2 : BudgetEra::E3;
  else if (!v.at_least(0, 9, 1)) r.era = BudgetEra::E4;
  else if (!v.at_least(0, 11, 0)) r.era = BudgetEra::E5;
  else if (!v.at_least(0, 18, 0)) r.era = BudgetEra::E6;
  else if (!v.at_least(0, 21, 0)) r.era = BudgetEra::E7;
  else r.era = BudgetEra::E8;

  r.default_utilization = r.era == BudgetEra::E8 ? 0.92 : 0.90;
  r.ceil_requested = v.at_least(0, 14, 0);
  r.context_in_non_torch = r.era == BudgetEra::E1 || r.era == BudgetEra::E2 || r.era == BudgetEra::E4;
  r.nccl_in_non_torch = r.era == BudgetEra::E1 || r.era == BudgetEra::E2 || r.era == BudgetEra::E3 ||
                        r.era == BudgetEra::E4 || r.era == BudgetEra::E5;
  r.hybrid_kv_groups = v.at_least(0, 9, 1);
  r.cudagraph_in_budget = r.era == BudgetEra::E8;
  r.cudagraph_estimate_logged = v.at_least(0, 18, 0);
  r.full_and_piecewise = v.at_least(0, 11, 0);
  r.v1_capture_from_2n = v.at_least(0, 10, 0);
  r.capture_list_256_step16 = v.at_least(0, 11, 1);
  r.triton_sampler = v.at_least(0, 17, 0);
  r.mla_latent_cache = v.at_least(0, 7, 1);
  r.concurrency_tokens_over_len = r.v1 && !v.at_least(0, 9, 1);
  if (!r.v1) r.tokens_log = TokensLog::kNotLogged;
  else if (!v.at_least(0, 9, 1)) r.tokens_log = TokensLog::kBlocksTimesBlockSize;
  else if (!v.at_least(0, 21, 0)) r.tokens_log = TokensLog::kPerGroupMinBlock;
  else r.tokens_log = TokensLog::kConcurrencyTimesLen;
  return r;
}

}  // namespace headroom
