// Everything a report draws from a run directory (DESIGN §7): the resolved config, the
// progress log, the hall of fame with its lineage, and the discoveries log when present.
#pragma once

#include "search/hall_of_fame.h"
#include "search/lineage.h"
#include "search/search_config.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace symopt {

// One line of log.jsonl.
struct ProgressSample {
  double seconds = 0;
  long candidates = 0, evaluations = 0, rejected = 0, cached = 0, restarts = 0;
  double evaluations_per_second = 0;
  double rejected_share = 0;  // cumulative, of the candidates
  double cached_share = 0;    // cumulative, of the evaluations
  double best_fitness = 0;    // NaN before the first evaluation (null in the log)
  double median_fitness = 0;
};

struct RunRecord {
  std::filesystem::path directory;
  std::string run_id, version, created;  // from config.json's "run" (empty when absent)
  nlohmann::json config_json;            // as written
  SearchConfig config;
  std::vector<ProgressSample> progress;  // in log order
  std::vector<HallOfFameEntry> best;     // hall of fame, best first
  // Per task, the multiple of the task's rate the best program was scored at (the search may
  // try several and keep the best; 1 when the file has none).
  std::map<std::string, double> best_rate_multipliers;
  std::vector<HallOfFameEntry> pareto_front;
  Lineage lineage;                       // ancestors of every hall-of-fame member
  std::vector<HallOfFameEntry> discoveries;  // discoveries.jsonl in run order; may be empty
  long candidates = 0, evaluations = 0, rejected = 0, cached = 0, restarts = 0;  // final counters
  double elapsed_seconds = 0;
};

// Throws InputError naming the file (and line or key) when the directory is not a run
// directory or a file is corrupt. Log lines that do not parse (the last one of a killed
// run) are skipped, like fitness_points_from_log does.
RunRecord read_run_record(const std::filesystem::path& directory);

// Parses log.jsonl text (exposed for tests).
std::vector<ProgressSample> progress_samples_from_log(const std::string& log_text);

}  // namespace symopt
