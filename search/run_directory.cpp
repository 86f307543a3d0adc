// Run directory files.
#include "search/run_directory.h"

#include "common/atomic_file.h"
#include "common/input_error.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "search/checkpoint.h"
#include "search/fitness_plot.h"
#include "search/progress.h"
#include "search/random.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#ifndef SYMOPT_VERSION
#define SYMOPT_VERSION "0.1.0"
#endif

namespace symopt {
namespace {

namespace fs = std::filesystem;

const char* const config_file = "config.json";
const char* const checkpoint_file = "checkpoint.json";
const char* const log_file = "log.jsonl";
const char* const discoveries_file = "discoveries.jsonl";
const char* const hall_of_fame_file = "hall_of_fame.json";
const char* const best_file = "best.opt";
const char* const plot_file = "fitness_over_time.svg";

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", utc);
}

// glibc serves a request above its mmap threshold (128 kB at first) by a mapping of its own,
// returned to the system when freed, but after each such free it raises the threshold to that
// size (up to 32 MB). The checkpoint's strings (megabytes) then come from the arenas, where
// long-lived entries allocated in between pin their pages: malloc's free memory grew through
// a 20-minute run although the live heap was flat (docs/benchmarks/long_run.md). Setting the
// threshold fixes it and turns that adjustment off.
void keep_large_buffers_out_of_the_arenas() {
#if defined(__GLIBC__)
  ::mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

nlohmann::json parse_json_file(const fs::path& path) {
  try {
    return nlohmann::json::parse(read_whole_file(path));
  } catch (const nlohmann::json::parse_error& error) {
    throw InputError(fmt::format("{}: not valid JSON (truncated or corrupt?): {}", path.string(), error.what()));
  }
}

}  // namespace

std::string symopt_version() { return SYMOPT_VERSION; }

std::string new_run_id(std::uint64_t seed) {
  const auto ticks = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  return fmt::format("{:016x}", mix64(mix64(seed) ^ mix64(ticks) ^ static_cast<std::uint64_t>(::getpid())));
}

nlohmann::json config_file_json(const SearchConfig& config, const std::string& run_id) {
  nlohmann::json json = search_config_to_json(config);
  json["run"] = {{"run_id", run_id}, {"symopt_version", symopt_version()}, {"written", utc_now()}};
  return json;
}

RunDirectory::RunDirectory(fs::path directory, std::string run_id)
    : directory_(std::move(directory)), run_id_(std::move(run_id)) {
  keep_large_buffers_out_of_the_arenas();
}

RunDirectory RunDirectory::create(const fs::path& directory, const SearchConfig& config, const std::string& run_id) {
  std::error_code error;
  // A config.json without a checkpoint is a start that was killed before its first
  // checkpoint: it holds nothing to lose, and refusing it would leave it stuck for good.
  if (fs::exists(directory / checkpoint_file, error)) {
    throw InputError(fmt::format("{}: already holds a search run; continue it with --resume {} or choose another --out",
                                 directory.string(), directory.string()));
  }
  if (fs::exists(directory, error) && !fs::is_directory(directory, error)) {
    throw InputError(fmt::format("{}: exists and is not a directory", directory.string()));
  }
  fs::create_directories(directory, error);
  if (error) throw InputError(fmt::format("{}: cannot create the run directory: {}", directory.string(), error.message()));
  RunDirectory run(directory, run_id);
  run.write_config(config);
  for (const char* file : {log_file, discoveries_file}) {  // fresh, empty logs
    std::ofstream log(directory / file, std::ios::trunc);
    if (!log) throw InputError(fmt::format("{}: cannot write", (directory / file).string()));
  }
  return run;
}

RunDirectory::Resumed RunDirectory::open(const fs::path& directory) {
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    throw InputError(fmt::format("{}: not a directory (expected a search run directory)", directory.string()));
  }
  if (fs::exists(directory / config_file, error) && !fs::exists(directory / checkpoint_file, error)) {
    throw InputError(fmt::format("{}: holds no {}: the run was stopped before its first checkpoint, so there is "
                                 "nothing to resume; start it again with --out {}",
                                 directory.string(), checkpoint_file, directory.string()));
  }
  if (!fs::exists(directory / config_file, error) || !fs::exists(directory / checkpoint_file, error)) {
    throw InputError(fmt::format("{}: not a search run directory (expected {} and {} in it)", directory.string(),
                                 config_file, checkpoint_file));
  }
  const fs::path config_path = directory / config_file;
  nlohmann::json config_json = parse_json_file(config_path);
  if (!config_json.is_object() || !config_json.contains("run") || !config_json["run"].is_object() ||
      !config_json["run"].contains("run_id") || !config_json["run"]["run_id"].is_string()) {
    throw InputError(fmt::format("{}: key 'run.run_id': missing (not the config of a search run)", config_path.string()));
  }
  const std::string run_id = config_json["run"]["run_id"].get<std::string>();
  SearchConfig config = search_config_from_json(config_json, config_path.string());

  LoadedCheckpoint checkpoint = read_checkpoint(directory / checkpoint_file);
  if (checkpoint.state.run_id != run_id) {
    throw InputError(fmt::format("{}: belongs to run {}, but {} is run {} (a checkpoint from another run?)",
                                 (directory / checkpoint_file).string(), checkpoint.state.run_id,
                                 config_path.string(), run_id));
  }
  if (checkpoint.state.hall_of_fame.capacity() != config.hall_of_fame_size) {
    checkpoint.state.hall_of_fame = HallOfFame(config.hall_of_fame_size, checkpoint.state.hall_of_fame.best(),
                                               checkpoint.state.hall_of_fame.pareto_front());
  }
  // Lines logged after the checkpoint describe work that is lost; drop them.
  for (const auto& [file, key] : {std::pair{log_file, "log_bytes"}, std::pair{discoveries_file, "discoveries_bytes"}}) {
    const fs::path path = directory / file;
    const auto bytes = checkpoint.extra.value(key, std::uintmax_t{0});
    if (fs::exists(path, error) && fs::file_size(path, error) > bytes) fs::resize_file(path, bytes, error);
  }
  RunDirectory run(directory, run_id);
  try {  // the plot's points so far, read once (a resumed run then appends in memory)
    for (const FitnessPoint& point : fitness_points_from_log(read_whole_file(directory / log_file))) {
      run.plot_points_.add(point);
    }
  } catch (const InputError&) {
    // no log: the plot starts empty
  }
  return {std::move(run), std::move(config), std::move(checkpoint.state)};
}

void RunDirectory::write_config(const SearchConfig& config) const {
  write_file_atomically(directory_ / config_file, config_file_json(config, run_id_).dump(2) + "\n");
}

namespace {

void append_line(const fs::path& path, const nlohmann::json& line) {
  std::ofstream log(path, std::ios::app);
  log << line.dump() << '\n';
  if (!log.flush()) throw InputError(fmt::format("{}: cannot append", path.string()));
}

std::uintmax_t size_or_zero(const fs::path& path) {
  std::error_code error;
  return fs::exists(path, error) ? fs::file_size(path, error) : 0;
}

}  // namespace

void RunDirectory::append_progress(const ProgressReport& report) {
  const nlohmann::json line = progress_report_to_json(report);
  append_line(directory_ / log_file, line);
  // The same point fitness_points_from_log reads from the line (none when not finite).
  for (const FitnessPoint& point : fitness_points_from_log(line.dump())) plot_points_.add(point);
}

void RunDirectory::append_discovery(const HallOfFameEntry& entry) {
  append_line(directory_ / discoveries_file, hall_of_fame_entry_to_json(entry));
}

void RunDirectory::write_checkpoint(const SearchState& state) const {
  write_file_atomically(directory_ / checkpoint_file,
                        checkpoint_text(state, {{"log_bytes", size_or_zero(directory_ / log_file)},
                                                {"discoveries_bytes", size_or_zero(directory_ / discoveries_file)}}));
  write_file_atomically(directory_ / hall_of_fame_file, hall_of_fame_file_json(state).dump(2) + "\n");
  const std::string best = best_program_text(state);
  if (!best.empty()) write_file_atomically(directory_ / best_file, best);
  write_file_atomically(directory_ / plot_file,
                        fitness_plot_svg(plot_points_.points(), fmt::format("symopt search {}", run_id_)));
#if defined(__GLIBC__)
  // The checkpoint's JSON and text are a run's largest short-lived allocations (megabytes
  // with a full lineage). glibc keeps freed memory in its arenas, where the long-lived
  // entries allocated in between (fitness cache, lineage) pin it, so without this the
  // resident size rose by the largest checkpoint ever built and never came down (issue 5:
  // x1.95 in 20 minutes with a flat live heap). Returning the free pages takes well under a
  // millisecond at these sizes.
  ::malloc_trim(0);
#endif
}

nlohmann::json hall_of_fame_file_json(const SearchState& state) {
  nlohmann::json json = hall_of_fame_to_json(state.hall_of_fame);
  Lineage ancestry = state.lineage;
  ancestry.keep_ancestors_of(state.hall_of_fame.ids());
  json["format"] = hall_of_fame_format;
  json["format_version"] = hall_of_fame_format_version;
  json["run_id"] = state.run_id;
  json["counters"] = search_counters_to_json(state.counters);
  json["elapsed_seconds"] = state.elapsed_seconds;
  json["lineage"] = lineage_to_json(ancestry);
  return json;
}

std::string best_program_text(const SearchState& state) {
  if (state.hall_of_fame.best().empty()) return {};
  const HallOfFameEntry& best = state.hall_of_fame.best().front();
  return fmt::format("# Best program of symopt search run {}: id {}, fitness {:.6g} ({} state{}, {} ops),\n"
                     "# found after {} evaluations ({}).\n{}",
                     state.run_id, best.origin.id, best.origin.fitness, best.origin.states,
                     best.origin.states == 1 ? "" : "s", best.origin.ops, best.origin.evaluation,
                     format_duration(best.found_at_seconds), print_folded(parse_program(best.program)));
}

nlohmann::json read_hall_of_fame_file(const fs::path& directory) {
  const fs::path path = directory / hall_of_fame_file;
  std::error_code error;
  if (!fs::is_directory(directory, error) || !fs::exists(path, error)) {
    throw InputError(fmt::format("{}: not a search run directory (expected {} in it)", directory.string(),
                                 hall_of_fame_file));
  }
  nlohmann::json json = parse_json_file(path);
  if (!json.is_object() || json.value("format", "") != hall_of_fame_format) {
    throw InputError(fmt::format("{}: not a symopt hall of fame (expected \"format\": \"{}\")", path.string(),
                                 hall_of_fame_format));
  }
  return json;
}

}  // namespace symopt
