// Kill and resume: `symopt search` (checkpoints every 0.2 s) is SIGKILLed at seeded random
// moments and resumed each time. After every kill the checkpoint must load, the evaluation
// counter must lose at most one checkpoint interval's worth of work (measured against the
// progress log the killed process wrote after its last checkpoint) and never go back across
// kills, and the hall of fame must only gain: best fitness never drops, and an entry leaves
// only when a full hall of fame has better ones.
#include "child_process.h"

#include "common/atomic_file.h"
#include "search/checkpoint.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace symopt {
namespace {

namespace fs = std::filesystem;

constexpr double checkpoint_seconds = 0.2;
constexpr double progress_seconds = 0.1;
constexpr int batch_size = 4;

// What the progress lines written after the checkpoint say: the most evaluations reached
// and the fastest rate seen, i.e. the work the kill threw away.
struct LostWork {
  long logged_evaluations = 0;
  double fastest_rate = 0;
  int lines = 0;
};

LostWork work_after_checkpoint(const fs::path& run, const LoadedCheckpoint& checkpoint) {
  LostWork lost;
  lost.logged_evaluations = checkpoint.state.counters.evaluations;
  const std::string log = read_whole_file(run / "log.jsonl");
  const auto offset = checkpoint.extra.value("log_bytes", std::size_t{0});
  std::istringstream lines(log.substr(std::min(offset, log.size())));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    nlohmann::json report;
    try {
      report = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error&) {
      continue;  // the kill can cut the last line short; the resume drops it
    }
    ++lost.lines;
    lost.logged_evaluations = std::max(lost.logged_evaluations, report.at("evaluations").get<long>());
    lost.fastest_rate = std::max(lost.fastest_rate, report.at("evaluations_per_second").get<double>());
  }
  return lost;
}

// The hall of fame only gains: nothing of `before` is missing from `after` unless `after`
// is full of programs at least as good.
void expect_hall_of_fame_gained(const HallOfFame& before, const HallOfFame& after, int round) {
  if (before.best().empty()) return;
  ASSERT_FALSE(after.best().empty()) << "round " << round;
  EXPECT_GE(after.best().front().origin.fitness, before.best().front().origin.fitness) << "round " << round;
  const bool full = static_cast<int>(after.best().size()) == after.capacity();
  for (const HallOfFameEntry& old : before.best()) {
    const bool kept = std::any_of(after.best().begin(), after.best().end(),
                                  [&](const HallOfFameEntry& e) { return e.origin.hash == old.origin.hash; });
    if (kept) continue;
    EXPECT_TRUE(full && after.best().back().origin.fitness >= old.origin.fitness)
        << "round " << round << ": program " << old.origin.id << " (fitness " << old.origin.fitness
        << ") left the hall of fame without being displaced by better ones";
  }
}

class KillAndResume : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() / ("symopt_kill_resume_" + std::to_string(::getpid()));
    fs::remove_all(directory_);
    fs::create_directories(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }
  fs::path directory_;
};

TEST_F(KillAndResume, CheckpointsAlwaysLoadLittleWorkIsLostAndTheHallOfFameOnlyGains) {
  const nlohmann::json config = {
      {"preset", "quick"},
      {"population_size", 16},
      {"tournament_size", 4},
      {"batch_size", batch_size},
      {"hall_of_fame_size", 8},
      {"suite", {{"tasks", {"quadratic"}}, {"baseline_cache", (directory_ / "baseline_cache").string()}}},
      {"checkpoint_seconds", checkpoint_seconds},
      {"progress_seconds", progress_seconds},
      {"budget", {{"wall_time", nullptr}, {"evaluations", nullptr}}}};
  const fs::path config_file = directory_ / "kill.json";
  std::ofstream(config_file) << config.dump(2);
  const fs::path run = directory_ / "run";
  const std::vector<std::string> start = {"search", "--config", config_file.string(), "--out", run.string(), "--quiet"};
  const std::vector<std::string> resume = {"search", "--resume", run.string(), "--quiet"};

  std::mt19937 random(20240611);  // the kill moments
  std::uniform_int_distribution<int> delay_ms(150, 1500);
  std::optional<LoadedCheckpoint> previous;
  long most_lost = 0;
  const int rounds = 8;  // rounds that found a checkpoint to resume from
  // A slow build (sanitizers, -O0) may take longer than the longest delay to write its first
  // checkpoint: each round that found none doubles the delays, so the kills still land
  // mostly after it, however slow the binary.
  int delay_factor = 1;
  int resumable_rounds = 0;
  for (int round = 0; resumable_rounds < rounds && round < 3 * rounds; ++round) {
    testing::SymoptProcess search(previous ? resume : start);
    ASSERT_TRUE(search.started());
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random) * delay_factor));
    search.kill_now();
    const testing::ChildResult result = search.wait(std::chrono::seconds(10));
    ASSERT_EQ(result.signal, SIGKILL) << "round " << round << ": the search ended by itself (exit code "
                                      << result.exit_code << "):\n" << result.output;

    if (!previous && !fs::exists(run / "checkpoint.json")) {
      // Killed before the first checkpoint: nothing to resume, and a fresh start may reuse
      // the folder (the next round starts afresh).
      // Killed before even the config was written, the folder is no run directory (yet).
      const bool started = fs::exists(run / "config.json");
      const testing::ChildResult refused = testing::run_symopt_limited(resume);
      EXPECT_EQ(refused.exit_code, 2) << refused.output;
      EXPECT_NE(refused.output.find(started ? "before its first checkpoint" : "run directory"), std::string::npos)
          << refused.output;
      delay_factor *= 2;
      continue;
    }
    ++resumable_rounds;
    std::optional<LoadedCheckpoint> loaded;
    ASSERT_NO_THROW(loaded.emplace(read_checkpoint(run / "checkpoint.json"))) << "round " << round;
    const SearchCounters& counters = loaded->state.counters;

    const LostWork lost = work_after_checkpoint(run, *loaded);
    const long thrown_away = lost.logged_evaluations - counters.evaluations;
    // One checkpoint interval of work at the fastest rate the process reported, plus the
    // batch in flight when the interval ended. The interval is 0.2 s, so the scheduler of a
    // loaded 2-core machine can hold a checkpoint back by a good part of it: allow twice the
    // interval (a run that stopped checkpointing would lose everything since its last one).
    const double allowed = lost.fastest_rate * checkpoint_seconds * 2 + batch_size;
    EXPECT_GE(thrown_away, 0) << "round " << round;
    EXPECT_LE(thrown_away, allowed) << "round " << round << ": lost " << thrown_away << " evaluations ("
                                    << lost.lines << " progress lines after the checkpoint)";
    most_lost = std::max(most_lost, thrown_away);
    if (previous) {
      EXPECT_GE(counters.evaluations, previous->state.counters.evaluations) << "round " << round;
      expect_hall_of_fame_gained(previous->state.hall_of_fame, loaded->state.hall_of_fame, round);
    }
    previous = std::move(loaded);
  }
  ASSERT_EQ(resumable_rounds, rounds) << "too few rounds got as far as a checkpoint";

  // Finally a resume that runs to its budget and exits normally.
  const long target = previous->state.counters.evaluations + 100;
  const testing::ChildResult finished =
      testing::run_symopt_limited({"search", "--resume", run.string(), "--evaluations", std::to_string(target), "--quiet"});
  ASSERT_EQ(finished.exit_code, 0) << finished.output;
  const LoadedCheckpoint last = read_checkpoint(run / "checkpoint.json");
  EXPECT_EQ(last.state.counters.evaluations, target);
  EXPECT_GE(last.state.session, 1);
  expect_hall_of_fame_gained(previous->state.hall_of_fame, last.state.hall_of_fame, rounds);
  std::cout << "kill and resume: " << rounds << " kills after a checkpoint (delays x" << delay_factor << "), at most " << most_lost
            << " evaluations thrown away by one kill, " << last.state.counters.evaluations << " evaluations in "
            << last.state.session + 1 << " sessions\n";
}

}  // namespace
}  // namespace symopt
