#include "core/bundled_models.h"

#include <algorithm>
#include <cctype>

#include "core/embedded_data.h"
#include "core/errors.h"

namespace headroom {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view after_slash(std::string_view s) {
  auto p = s.rfind('/');
  return p == std::string_view::npos ? s : s.substr(p + 1);
}

}  // namespace

const std::vector<BundledModel>& bundled_models() {
  static const std::vector<BundledModel> models = [] {
    std::vector<BundledModel> v;
    for (const auto& c : embedded::bundled_configs()) v.push_back({std::string(c.hf_id), c.json});
    return v;
  }();
  return models;
}

const BundledModel* try_find_bundled_model(std::string_view name) {
  const std::string key = lower(name);
  for (const auto& m : bundled_models())
    if (lower(m.name) == key) return &m;
  for (const auto& m : bundled_models())
    if (lower(after_slash(m.name)) == lower(after_slash(key))) return &m;
  return nullptr;
}

const BundledModel& find_bundled_model(std::string_view name) {
  if (const BundledModel* m = try_find_bundled_model(name)) return *m;
  std::string hint;
  int shown = 0;
  const std::string key = lower(after_slash(name));
  for (const auto& m : bundled_models())
    if (shown < 4 && !key.empty() && lower(m.name).find(key.substr(0, std::min<size_t>(key.size(), 6))) != std::string::npos)
      hint += (shown++ ? ", " : "") + m.name;
  throw InputError("model", "model: no bundled model named \"" + std::string(name.substr(0, 80)) + "\"" +
                                (hint.empty() ? " (run `headroom models` for the list)" : "; did you mean " + hint + "?"));
}

}  // namespace headroom
