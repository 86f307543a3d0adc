// Checkpoints: a state survives the round trip; truncated, corrupted, foreign and
// future-version files are refused with a message that names the file and the problem.
#include "search_test_support.h"

#include "common/input_error.h"
#include "dsl/printer.h"
#include "search/checkpoint.h"
#include "search/run_directory.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace symopt {
namespace {

SearchState small_state() {
  const SearchConfig config = testing::small_search_config(5, 200);
  SearchHooks hooks;
  hooks.fitness = testing::toy_fitness();
  SearchState state = start_search(config, testing::adamw_warm_start(), hooks, "run-a");
  run_search(config, state, hooks);
  return state;
}

std::string error_for(const std::string& text) {
  try {
    parse_checkpoint(text, "dir/checkpoint.json");
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(Checkpoint, StateRoundTripsExactly) {
  const SearchState state = small_state();
  const std::string text = checkpoint_text(state, {{"log_bytes", 1234}});
  const LoadedCheckpoint loaded = parse_checkpoint(text, "memory");
  EXPECT_EQ(loaded.extra["log_bytes"], 1234);
  EXPECT_EQ(checkpoint_text(loaded.state, loaded.extra), text);
  ASSERT_EQ(loaded.state.population.size(), state.population.size());
  for (std::size_t k = 0; k < state.population.size(); ++k) {
    EXPECT_EQ(loaded.state.population[k].program, state.population[k].program);
    EXPECT_EQ(loaded.state.population[k].hash, state.population[k].hash);
    EXPECT_EQ(loaded.state.population[k].fitness, state.population[k].fitness);
  }
  EXPECT_EQ(loaded.state.counters.evaluations, state.counters.evaluations);
  EXPECT_EQ(loaded.state.hall_of_fame.best().size(), state.hall_of_fame.best().size());
  EXPECT_EQ(loaded.state.lineage.size(), state.lineage.size());
}

TEST(Checkpoint, DamagedFilesAreRefusedWithAClearMessage) {
  const std::string text = checkpoint_text(small_state(), {});
  // Truncated anywhere: never accepted.
  for (double fraction : {0.0, 0.1, 0.5, 0.9, 0.999}) {
    const std::string message = error_for(text.substr(0, static_cast<std::size_t>(text.size() * fraction)));
    EXPECT_NE(message.find("dir/checkpoint.json: not a readable checkpoint (truncated or corrupt"), std::string::npos)
        << fraction << ": " << message;
  }
  // One changed digit inside the payload: the checksum catches it.
  std::string corrupt = text;
  const std::size_t digit = corrupt.find("\"fitness\":") + 11;
  corrupt[digit] = corrupt[digit] == '1' ? '2' : '1';
  EXPECT_NE(error_for(corrupt).find("checkpoint is corrupt (checksum"), std::string::npos) << error_for(corrupt);
  // Foreign files.
  EXPECT_NE(error_for("{\"hello\": 1}").find("not a symopt search checkpoint"), std::string::npos);
  EXPECT_NE(error_for("[1, 2, 3]").find("not a symopt search checkpoint"), std::string::npos);
  // Another format version.
  nlohmann::json future = nlohmann::json::parse(text);
  future["format_version"] = checkpoint_format_version + 1;
  EXPECT_NE(error_for(future.dump()).find("format version 2 is not supported"), std::string::npos);
  // A valid checksum over an invalid state (a program that no longer analyzes).
  nlohmann::json bad = nlohmann::json::parse(text);
  bad["payload"]["state"]["population"][0]["program"] = "def train(g):\n    u = norm(g)\n    return u\n";
  bad["checksum"] = checksum_of(bad["payload"].dump());
  EXPECT_NE(error_for(bad.dump()).find("population member"), std::string::npos) << error_for(bad.dump());
}

TEST(RunDirectory, ResumeRefusesMissingMismatchedAndForeignFiles) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / "symopt_test_run_directory";
  fs::remove_all(root);
  const SearchConfig config = testing::small_search_config(5, 200);
  // No checkpoint yet: not resumable, and a new start may replace it (nothing is lost).
  (void)RunDirectory::create(root / "a", config, "run-killed-before-its-first-checkpoint");
  EXPECT_THROW(RunDirectory::open(root / "a"), InputError);
  RunDirectory run = RunDirectory::create(root / "a", config, "run-a");
  const SearchState state = small_state();  // run id "run-a"
  run.append_progress(make_progress_report(state));
  run.write_checkpoint(state);
  // A second run cannot be started over one that has a checkpoint.
  EXPECT_THROW(RunDirectory::create(root / "a", config, "run-b"), InputError);
  const RunDirectory::Resumed resumed = RunDirectory::open(root / "a");
  EXPECT_EQ(resumed.state.counters.evaluations, state.counters.evaluations);
  EXPECT_TRUE(fs::exists(root / "a" / "best.opt"));
  EXPECT_TRUE(fs::exists(root / "a" / "hall_of_fame.json"));
  EXPECT_TRUE(fs::exists(root / "a" / "fitness_over_time.svg"));

  // Another run's checkpoint copied in: foreign.
  RunDirectory other = RunDirectory::create(root / "b", config, "run-b");
  fs::copy_file(root / "a" / "checkpoint.json", root / "b" / "checkpoint.json");
  try {
    RunDirectory::open(root / "b");
    FAIL();
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("another run"), std::string::npos) << error.what();
  }
  EXPECT_THROW(RunDirectory::open(root / "nothing"), InputError);
  fs::remove_all(root);
}

TEST(RunDirectory, BestProgramFileParsesBackToTheBestProgram) {
  const SearchState state = small_state();
  const std::string text = best_program_text(state);
  const AnalyzedProgram best = analyze(parse_program(text));
  EXPECT_EQ(best.structural_hash, state.hall_of_fame.best().front().origin.hash);
}

}  // namespace
}  // namespace symopt
