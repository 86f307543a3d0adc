// Reading a run directory for the report.
#include "report/run_record.h"

#include "common/atomic_file.h"
#include "common/input_error.h"
#include "search/run_directory.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <sstream>

namespace symopt {
namespace {

namespace fs = std::filesystem;

nlohmann::json parse_json_text(const std::string& text, const fs::path& path) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    throw InputError(fmt::format("{}: not valid JSON (byte {}): {}", path.string(), error.byte, error.what()));
  }
}

double number_or_nan(const nlohmann::json& line, const char* key) {
  const auto found = line.find(key);
  return found != line.end() && found->is_number() ? found->get<double>() : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

std::vector<ProgressSample> progress_samples_from_log(const std::string& log_text) {
  std::vector<ProgressSample> samples;
  std::istringstream lines(log_text);
  std::string line;
  while (std::getline(lines, line)) {
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      ProgressSample s;
      s.seconds = j.at("elapsed_seconds").get<double>();
      s.candidates = j.at("candidates").get<long>();
      s.evaluations = j.at("evaluations").get<long>();
      s.rejected = j.at("rejected").get<long>();
      s.cached = j.at("cached").get<long>();
      s.restarts = j.value("restarts", 0L);
      s.evaluations_per_second = number_or_nan(j, "evaluations_per_second");
      s.rejected_share = number_or_nan(j, "rejected_share");
      s.cached_share = number_or_nan(j, "cached_share");
      s.best_fitness = number_or_nan(j, "best_fitness");
      s.median_fitness = number_or_nan(j, "median_fitness");
      samples.push_back(s);
    } catch (const nlohmann::json::exception&) {
      continue;  // a line cut short by a kill, or not a progress line
    }
  }
  return samples;
}

RunRecord read_run_record(const fs::path& directory) {
  RunRecord run;
  run.directory = directory;
  const nlohmann::json hall = read_hall_of_fame_file(directory);  // InputError when not a run

  const fs::path config_path = directory / "config.json";
  run.config_json = parse_json_text(read_whole_file(config_path), config_path);
  run.config = search_config_from_json(run.config_json, config_path.string());
  if (const auto provenance = run.config_json.find("run"); provenance != run.config_json.end() && provenance->is_object()) {
    run.run_id = provenance->value("run_id", "");
    run.version = provenance->value("symopt_version", "");
    run.created = provenance->value("written", "");
  }

  const fs::path hall_path = directory / "hall_of_fame.json";
  try {
    const HallOfFame parsed = hall_of_fame_from_json(hall);
    run.best = parsed.best();
    if (!run.best.empty()) {
      for (const nlohmann::json& task : hall.at("best").at(0).at("tasks")) {
        const auto multiplier = task.find("rate_multiplier");
        run.best_rate_multipliers[task.at("task").get<std::string>()] =
            multiplier != task.end() && multiplier->is_number() ? multiplier->get<double>() : 1.0;
      }
    }
    run.pareto_front = parsed.pareto_front();
    for (const nlohmann::json& record : hall.at("lineage")) run.lineage.add(lineage_record_from_json(record));
    const nlohmann::json& counters = hall.at("counters");
    run.candidates = counters.at("candidates").get<long>();
    run.evaluations = counters.at("evaluations").get<long>();
    run.rejected = counters.at("rejected").get<long>();
    run.cached = counters.at("cached").get<long>();
    run.restarts = counters.value("restarts", 0L);
    run.elapsed_seconds = hall.at("elapsed_seconds").get<double>();
    if (run.run_id.empty()) run.run_id = hall.value("run_id", "");
  } catch (const std::exception& error) {  // nlohmann and hall_of_fame_from_json errors
    throw InputError(fmt::format("{}: not a valid hall of fame: {}", hall_path.string(), error.what()));
  }

  std::error_code missing;
  if (fs::exists(directory / "log.jsonl", missing)) {
    run.progress = progress_samples_from_log(read_whole_file(directory / "log.jsonl"));
  }
  if (fs::exists(directory / "discoveries.jsonl", missing)) {
    std::istringstream lines(read_whole_file(directory / "discoveries.jsonl"));
    std::string line;
    while (std::getline(lines, line)) {
      try {
        run.discoveries.push_back(hall_of_fame_entry_from_json(nlohmann::json::parse(line)));
      } catch (const std::exception&) {
        continue;  // a line cut short by a kill
      }
    }
  }
  return run;
}

}  // namespace symopt
