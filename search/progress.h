// A progress report as one log.jsonl line and as the live status line on stderr.
#pragma once

#include "search/search_engine.h"

#include <nlohmann/json.hpp>

#include <string>

namespace symopt {

nlohmann::json progress_report_to_json(const ProgressReport& report);
// "3m05s | 4,210 evals 23.1/s | rejected 31% cached 42% | best 0.183 (1 state, 6 ops) | median 0.021"
std::string format_progress_line(const ProgressReport& report);

}  // namespace symopt
