#pragma once
// "Bring your own log" (issue 8): compare a pasted vLLM start-up log with the estimate for the
// same settings, and calibrate the measured terms to it.
#include <nlohmann/json.hpp>

#include "core/log_parser.h"

namespace headroom {

// The logged figures and settings, with the keys of the estimate JSON.
nlohmann::json logged_to_json(const ParsedLog& log);

// Body: {"log": text, ...optional estimate request keys}. Returns the check-log response
// (docs/api.md): logged, and when a config is known, predicted, calibrated, calibration_override
// and an explanation of the largest miss. Throws InputError for a bad request.
nlohmann::json check_log_response(const nlohmann::json& body);

}  // namespace headroom
