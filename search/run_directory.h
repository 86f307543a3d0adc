// The run directory of DESIGN §7: config.json, checkpoint.json, log.jsonl,
// hall_of_fame.json, best.opt and fitness_over_time.svg, plus discoveries.jsonl (every
// program as it entered the hall of fame, which keeps those later ones displaced). Every file but the log is
// replaced atomically; the checkpoint records the log's length so that a resumed run
// drops the lines written after it.
#pragma once

#include "search/fitness_history.h"
#include "search/search_config.h"
#include "search/search_engine.h"
#include "search/search_state.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace symopt {

inline constexpr const char* hall_of_fame_format = "symopt-hall-of-fame";
inline constexpr int hall_of_fame_format_version = 1;

std::string symopt_version();
// A fresh id for a new run (from the seed, the clock and the process id).
std::string new_run_id(std::uint64_t seed);

class RunDirectory {
 public:
  // A new run: creates the directory (and its parents) and writes config.json. InputError
  // when the directory already holds a run or cannot be written.
  static RunDirectory create(const std::filesystem::path& directory, const SearchConfig& config,
                             const std::string& run_id);

  struct Resumed;
  // An existing run: reads config.json and checkpoint.json (InputError when either is
  // missing, corrupt, foreign or from another run), truncates log.jsonl to the checkpoint.
  static Resumed open(const std::filesystem::path& directory);

  // Rewrites config.json (e.g. after a resume changed the budget or the thread count).
  void write_config(const SearchConfig& config) const;
  void append_progress(const ProgressReport& report);
  void append_discovery(const HallOfFameEntry& entry);
  // checkpoint.json, hall_of_fame.json, best.opt and fitness_over_time.svg (drawn from the
  // progress kept in memory, thinned to a bounded number of points: FitnessHistory).
  void write_checkpoint(const SearchState& state) const;
  const std::filesystem::path& path() const { return directory_; }
  const std::string& run_id() const { return run_id_; }

 private:
  RunDirectory(std::filesystem::path directory, std::string run_id);
  std::filesystem::path directory_;
  std::string run_id_;
  FitnessHistory plot_points_;
};

struct RunDirectory::Resumed {
  RunDirectory directory;
  SearchConfig config;
  SearchState state;
};

// The resolved config with the run's provenance ("run": {id, version, created}), as written
// to config.json; search_config_from_json ignores "run", so the file can be reused.
nlohmann::json config_file_json(const SearchConfig& config, const std::string& run_id);
nlohmann::json hall_of_fame_file_json(const SearchState& state);
std::string best_program_text(const SearchState& state);  // best.opt; empty before any program

// Reads what `symopt show` needs: hall_of_fame.json (InputError when not a run directory).
nlohmann::json read_hall_of_fame_file(const std::filesystem::path& directory);

}  // namespace symopt
