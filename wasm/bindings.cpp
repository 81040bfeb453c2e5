// The JavaScript face of the core: each function takes and returns JSON text, exactly as
// core/api.h does (docs/api.md). Nothing else lives here, so the page and the native CLI
// cannot disagree about a number.
#include <emscripten/bind.h>

#include <exception>
#include <nlohmann/json.hpp>
#include <string>

#include "core/api.h"

namespace {

std::string internal_error(const std::string& what) {
  const nlohmann::json error = {{"ok", false},
                                {"error", {{"field", ""}, {"message", "internal error: " + what}}}};
  // replace: e.what() need not be valid UTF-8, and dump() must not throw here.
  return error.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The api functions promise not to throw. This is a second line of defence: an escaped
// exception would abort the whole module and leave the page dead for every later call.
template <typename Fn>
std::string guarded(Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::exception& e) {
    try { return internal_error(e.what()); } catch (...) {}
  } catch (...) {
    try { return internal_error("unknown exception"); } catch (...) {}
  }
  return R"({"ok":false,"error":{"field":"","message":"internal error"}})";
}

std::string estimate(const std::string& request) {
  return guarded([&] { return headroom::api::estimate(request); });
}
std::string plan(const std::string& request) {
  return guarded([&] { return headroom::api::plan(request); });
}
std::string check_log(const std::string& request) {
  return guarded([&] { return headroom::api::check_log(request); });
}
std::string list_models() {
  return guarded([] { return headroom::api::list_models(); });
}
std::string list_gpus() {
  return guarded([] { return headroom::api::list_gpus(); });
}
std::string version_info() {
  return guarded([] { return headroom::api::version_info(); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(headroom) {
  emscripten::function("estimate", &estimate);
  emscripten::function("plan", &plan);
  emscripten::function("checkLog", &check_log);
  emscripten::function("listModels", &list_models);
  emscripten::function("listGpus", &list_gpus);
  emscripten::function("versionInfo", &version_info);
}
