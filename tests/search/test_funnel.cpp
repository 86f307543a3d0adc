// Funnel selection on a tiny search run made here (toy fitness, then the funnel on the real
// quadratic task at tiny -> small with small step budgets): candidates, survivors, the
// table's completeness, Lion written as a program against native Lion, determinism across
// thread counts, the rule variants and bad input.
#include "search_test_support.h"

#include "cli/run_command.h"
#include "common/input_error.h"
#include "dsl/parser.h"
#include "evaluator/fingerprint.h"
#include "search/funnel.h"
#include "search/run_directory.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

namespace symopt {
namespace {

namespace fs = std::filesystem;

// Native comparison Lion (betas 0.9, 0.99, decay 0.1: evaluator/baselines.h) as a program.
const char* const lion_as_native = R"(def train(w, g, lr, m):
    update = sign(interp(g, m, 0.9))
    m = interp(g, m, 0.99)
    update = (update + w * 0.1) * lr
    return update, m
)";

FunnelSettings quick_settings() {
  FunnelSettings settings;
  settings.rungs = {Rung::tiny, Rung::small};
  settings.steps = {40, 30};
  settings.top = 6;
  settings.seeds = 1;
  settings.sweep.points = 7;  // the least a tuned rate allows
  return settings;
}

// A run directory from a short real search (toy fitness keeps it to milliseconds), with
// AdamW and the native-equivalent Lion as warm starts so both are in the hall of fame.
class FunnelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    run_directory = new fs::path(fs::temp_directory_path() / fmt::format("symopt_test_funnel_{}", ::getpid()));
    fs::remove_all(*run_directory);
    SearchConfig config = testing::small_search_config(11, 40);
    config.suite.tasks = {"quadratic"};
    RunDirectory run = RunDirectory::create(*run_directory, config, "funnel-test-run");
    SearchHooks hooks;
    hooks.fitness = testing::toy_fitness();
    hooks.on_hall_of_fame_entry = [&run](const HallOfFameEntry& entry) { run.append_discovery(entry); };
    std::vector<WarmStartProgram> warm = testing::adamw_warm_start();
    warm.push_back({"lion_native.opt", parse_program(lion_as_native)});
    SearchState state = start_search(config, warm, hooks, "funnel-test-run");
    run_search(config, state, hooks);
    run.write_checkpoint(state);
    result = new FunnelResult(funnel_run_directory(*run_directory, quick_settings()));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*run_directory);
    delete run_directory;
    delete result;
  }
  static fs::path* run_directory;
  static FunnelResult* result;
};

fs::path* FunnelTest::run_directory = nullptr;
FunnelResult* FunnelTest::result = nullptr;

nlohmann::json without_timing(nlohmann::json json) {
  json.erase("seconds");
  for (auto& rung : json["rungs"]) rung.erase("seconds");
  return json;
}

TEST_F(FunnelTest, TakesTheBestDistinctProgramsTheRunRecorded) {
  const nlohmann::json hall = read_hall_of_fame_file(*run_directory);
  const std::vector<nlohmann::json> discoveries = read_discoveries(*run_directory);
  EXPECT_FALSE(discoveries.empty());
  const std::vector<FunnelCandidate>& candidates = result->candidates;
  ASSERT_GE(candidates.size(), 4u);  // enough for the halving to be seen twice
  EXPECT_LE(candidates.size(), 6u);
  std::set<std::uint64_t> chosen;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    EXPECT_TRUE(chosen.insert(behavioural_fingerprint(analyze(parse_program(candidates[i].program)))).second)
        << "#" << candidates[i].id << " duplicates an earlier candidate's behaviour";
    if (i > 0) {
      EXPECT_GE(candidates[i - 1].search_fitness, candidates[i].search_fitness);
    }
  }
  // No recorded program better than the last candidate was left out unless it behaves as one taken.
  std::vector<nlohmann::json> pool(hall["best"].begin(), hall["best"].end());
  pool.insert(pool.end(), hall["pareto_front"].begin(), hall["pareto_front"].end());
  pool.insert(pool.end(), discoveries.begin(), discoveries.end());
  for (const nlohmann::json& entry : pool) {
    if (entry["fitness"].get<double>() <= candidates.back().search_fitness) continue;
    const auto fingerprint = behavioural_fingerprint(analyze(parse_program(entry["program"].get<std::string>())));
    EXPECT_TRUE(chosen.count(fingerprint)) << "program " << entry["id"] << " was left out";
  }
}

TEST_F(FunnelTest, TheBetterHalfOfEachRungGoesOn) {
  ASSERT_EQ(result->rungs.size(), 2u);
  const FunnelRung& first = result->rungs[0];
  EXPECT_EQ(first.entries.size(), result->candidates.size());
  std::vector<int> survivors;
  std::vector<int> ranks;
  for (const FunnelEntry& e : first.entries) {
    ranks.push_back(e.rank);
    if (e.survived) survivors.push_back(e.candidate);
  }
  std::sort(ranks.begin(), ranks.end());
  for (std::size_t i = 0; i < ranks.size(); ++i) EXPECT_EQ(ranks[i], static_cast<int>(i) + 1);
  EXPECT_EQ(survivors.size(), (first.entries.size() + 1) / 2);
  EXPECT_LT(survivors.size(), first.entries.size());
  for (const FunnelEntry& e : first.entries) {
    for (const FunnelEntry& other : first.entries) {
      if (e.survived && !other.survived) {
        EXPECT_GE(e.fitness, other.fitness);
      }
      if (e.rank < other.rank) {
        EXPECT_GE(e.fitness, other.fitness);
      }
    }
  }
  std::vector<int> second;
  for (const FunnelEntry& e : result->rungs[1].entries) second.push_back(e.candidate);
  EXPECT_EQ(second, survivors);
  // The final ranking puts the candidates that reached the last rung first.
  ASSERT_EQ(result->ranking.size(), result->candidates.size());
  for (std::size_t i = 0; i < survivors.size(); ++i) {
    EXPECT_NE(std::find(survivors.begin(), survivors.end(), result->ranking[i]), survivors.end());
  }
}

TEST_F(FunnelTest, TableHasEveryCandidateAtEveryRungAgainstAdamwAndLion) {
  for (const FunnelRung& rung : result->rungs) {
    EXPECT_EQ(rung.tasks.size(), 1u);
    EXPECT_GT(rung.training_runs, 0);
    for (const FunnelEntry* e : {&rung.adamw, &rung.lion}) {
      ASSERT_EQ(e->tasks.size(), 1u);
      EXPECT_GT(e->tasks[0].learning_rate, 0);
    }
    EXPECT_DOUBLE_EQ(rung.adamw.fitness, 0.0);  // the reference scores 0 against itself
    for (const FunnelEntry& e : rung.entries) {
      ASSERT_EQ(e.tasks.size(), 1u);
      EXPECT_EQ(e.tasks[0].task, "quadratic");
      ASSERT_TRUE(e.tasks[0].score.has_value());
      EXPECT_EQ(e.beats_adamw, e.fitness > 0);
      EXPECT_EQ(e.beats_lion, e.fitness > rung.lion.fitness);
    }
  }
  EXPECT_EQ(result->rungs[1].tasks[0].rung, Rung::small);
  EXPECT_GT(result->rungs[1].tasks[0].flops_per_step, result->rungs[0].tasks[0].flops_per_step);

  const nlohmann::json json = nlohmann::json::parse(read_whole_file(*run_directory / "funnel.json"));
  EXPECT_EQ(json["format"], funnel_format);
  EXPECT_EQ(json["run_id"], "funnel-test-run");
  ASSERT_EQ(json["rungs"].size(), 2u);
  EXPECT_EQ(json["rungs"][1]["rung"], "small");
  EXPECT_EQ(json["rungs"][0]["entries"].size(), result->candidates.size());
  EXPECT_TRUE(json["rungs"][0]["references"].contains("Lion"));
  EXPECT_EQ(without_timing(json), without_timing(funnel_json(*result)));
  const std::string markdown = read_whole_file(*run_directory / "funnel.md");
  EXPECT_EQ(markdown, funnel_markdown(*result));
  for (const FunnelCandidate& c : result->candidates) {
    EXPECT_NE(markdown.find(fmt::format("| #{} |", c.id)), std::string::npos) << c.id;
  }
  for (const char* text : {"## Rung tiny", "## Rung small", "AdamW (native)", "Lion (native)", "| Lion |"}) {
    EXPECT_NE(markdown.find(text), std::string::npos) << text;
  }
}

TEST_F(FunnelTest, LionWrittenAsAProgramScoresAsNativeLion) {
  // Written plainly and written oddly (reordered, a dead statement, interp spelled out).
  const char* const lion_oddly = R"(def train(w, g, lr, m):
    unused = exp(g)
    decay = 0.1 * w
    direction = sign(0.1 * g + 0.9 * m)
    m = 0.99 * m + 0.01 * g
    return lr * (direction + decay), m
)";
  std::vector<FunnelCandidate> candidates;
  for (const char* text : {lion_as_native, lion_oddly}) {
    candidates.push_back({static_cast<long>(candidates.size()), text, text, 0, 1, 4, 0});
  }
  FunnelSettings settings = quick_settings();
  settings.rule = SurvivalRule::beat_adamw;  // keeps both or neither: they score alike
  const FunnelResult lions = run_funnel(candidates, {"quadratic"}, {}, settings);
  for (const FunnelRung& rung : lions.rungs) {
    const FunnelTaskResult& native = rung.lion.tasks[0];
    ASSERT_FALSE(native.diverged);
    for (const FunnelEntry& entry : rung.entries) {
      const FunnelTaskResult& program = entry.tasks[0];
      // Same update up to float rounding order: the same rate wins and the losses agree closely.
      EXPECT_EQ(program.learning_rate, native.learning_rate) << entry.name << " at " << rung_name(rung.rung);
      EXPECT_FALSE(program.diverged);
      EXPECT_NEAR(program.loss, native.loss, 1e-4 * std::abs(native.loss)) << entry.name;
      EXPECT_NEAR(entry.fitness, rung.lion.fitness, 1e-4) << entry.name;
      EXPECT_EQ(entry.beats_adamw, rung.lion.beats_adamw) << entry.name;
    }
  }
}

TEST_F(FunnelTest, SameResultAtAnyThreadCount) {
  const std::vector<FunnelCandidate> candidates =
      funnel_candidates(read_hall_of_fame_file(*run_directory), read_discoveries(*run_directory), quick_settings().top);
  const auto run_with = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    FunnelResult again = run_funnel(candidates, {"quadratic"}, {}, quick_settings());
    again.run_id = result->run_id;
    return without_timing(funnel_json(again));
  };
  const nlohmann::json one = run_with(1);
  EXPECT_EQ(one, run_with(2));
  EXPECT_EQ(one, without_timing(funnel_json(*result)));
}

TEST_F(FunnelTest, BeatAdamwRuleKeepsExactlyThoseAboveAdamw) {
  FunnelSettings settings = quick_settings();
  settings.rungs = {Rung::tiny};
  settings.steps = {40};
  settings.rule = SurvivalRule::beat_adamw;
  const FunnelResult beat = run_funnel(result->candidates, {"quadratic"}, {}, settings);
  ASSERT_EQ(beat.rungs.size(), 1u);
  for (const FunnelEntry& e : beat.rungs[0].entries) EXPECT_EQ(e.survived, e.fitness > beat.rungs[0].adamw.fitness);
  // Same rung and budget as the first rung of the main funnel: same fitness figures.
  for (std::size_t i = 0; i < beat.rungs[0].entries.size(); ++i) {
    EXPECT_EQ(beat.rungs[0].entries[i].fitness, result->rungs[0].entries[i].fitness);
  }
}

TEST_F(FunnelTest, BadSettingsAreInputErrors) {
  FunnelSettings descending = quick_settings();
  descending.rungs = {Rung::small, Rung::tiny};
  EXPECT_THROW(run_funnel(result->candidates, {"quadratic"}, {}, descending), InputError);
  FunnelSettings no_seeds = quick_settings();
  no_seeds.seeds = 0;
  EXPECT_THROW(run_funnel(result->candidates, {"quadratic"}, {}, no_seeds), InputError);
  EXPECT_THROW(run_funnel({}, {"quadratic"}, {}, quick_settings()), InputError);
  EXPECT_THROW(run_funnel(result->candidates, {"no-such-task"}, {}, quick_settings()), InputError);
}

TEST_F(FunnelTest, CommandWritesTheTableAndRefusesWhatIsNotARun) {
  const testing::CommandResult ok = testing::run_symopt(
      fmt::format("funnel '{}' --rungs tiny --steps 20 --seeds 1 --top 3 --quiet", run_directory->string()));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("## Rung tiny"), std::string::npos) << ok.output;
  const nlohmann::json written = nlohmann::json::parse(read_whole_file(*run_directory / "funnel.json"));
  EXPECT_EQ(written["settings"]["top"], 3);

  const fs::path empty = *run_directory / "not-a-run";
  fs::create_directories(empty);
  for (const fs::path& path : {empty, *run_directory / "missing"}) {
    const testing::CommandResult bad = testing::run_symopt(fmt::format("funnel '{}'", path.string()));
    EXPECT_EQ(bad.exit_code, 2) << bad.output;
    EXPECT_NE(bad.output.find("not a search run directory"), std::string::npos) << bad.output;
  }
  const testing::CommandResult rung = testing::run_symopt(fmt::format("funnel '{}' --rungs huge", run_directory->string()));
  EXPECT_EQ(rung.exit_code, 2) << rung.output;
  EXPECT_NE(rung.output.find("--rungs: unknown rung 'huge'"), std::string::npos) << rung.output;
}

}  // namespace
}  // namespace symopt
