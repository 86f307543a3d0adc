// Search configs: presets load and round-trip, every bad key is named, durations parse.
#include "common/input_error.h"
#include "search/search_config.h"

#include <gtest/gtest.h>

namespace symopt {
namespace {

using nlohmann::json;

// The message of the InputError thrown for `config`, or "" when it is accepted.
std::string error_for(const json& config) {
  try {
    search_config_from_json(config, "test.json");
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(SearchConfig, PresetsLoadAndRoundTrip) {
  const std::vector<std::string> names = preset_names();
  ASSERT_TRUE(std::find(names.begin(), names.end(), "quick") != names.end());
  ASSERT_TRUE(std::find(names.begin(), names.end(), "lion-rediscovery") != names.end());
  for (const std::string& name : names) {
    const SearchConfig config = load_preset(name);
    EXPECT_FALSE(config.suite.tasks.empty()) << name;
    EXPECT_GT(config.budget.wall_seconds, 0) << name;
    const json resolved = search_config_to_json(config);
    const SearchConfig again = search_config_from_json(resolved, "resolved");
    EXPECT_EQ(search_config_to_json(again), resolved) << name;
  }
  EXPECT_EQ(load_preset("lion-rediscovery").budget.wall_seconds, 1800);
}

TEST(SearchConfig, FileKeysOverrideThePresetTheyName) {
  const SearchConfig config = search_config_from_json(
      json{{"preset", "quick"}, {"population_size", 33}, {"mutation", {{"weights", {{"change_op", 5}}}}}}, "f.json");
  const SearchConfig quick = load_preset("quick");
  EXPECT_EQ(config.population_size, 33);
  EXPECT_EQ(config.mutation.weights.change_op, 5);
  EXPECT_EQ(config.mutation.weights.insert_statement, quick.mutation.weights.insert_statement);
  EXPECT_EQ(config.suite.tasks, quick.suite.tasks);
}

TEST(SearchConfig, BadKeysAreNamedWithTheFile) {
  const json base = {{"preset", "quick"}};
  struct Case {
    json patch;
    std::string expected;  // a fragment of the message
  };
  const std::vector<Case> cases = {
      {{{"populaton_size", 10}}, "unknown key 'populaton_size' (did you mean 'population_size'?)"},
      {{{"mutation", {{"wieghts", json::object()}}}}, "unknown key 'mutation.wieghts'"},
      {{{"population_size", "ten"}}, "key 'population_size': expected an integer, found the string \"ten\""},
      {{{"population_size", 0}}, "key 'population_size': expected an integer in [1,"},
      {{{"tournament_size", 1000}}, "key 'tournament_size': expected at most population_size"},
      {{{"threads", -1}}, "key 'threads'"},
      {{{"state_niche", {{"parent_probability", 2}}}}, "key 'state_niche.parent_probability'"},
      {{{"seed", -3}}, "key 'seed': expected a non-negative integer"},
      {{{"strategy", "genetic"}}, "key 'strategy': expected one of \"evolution\", \"random\""},
      {{{"mode", 1}}, "key 'mode'"},
      {{{"warm_start", json::array()}}, "key 'warm_start': expected a non-empty array"},
      {{{"warm_start", {1}}}, "key 'warm_start[0]': expected a string"},
      {{{"mutation", {{"ops", {"sign", "frobnicate"}}}}}, "key 'mutation.ops[1]': expected an op name"},
      {{{"mutation", {{"weights", {{"insert_statement", -1}}}}}}, "key 'mutation.weights.insert_statement'"},
      {{{"mutation", {{"weights", {{"insert_statement", 0}, {"delete_statement", 0}, {"change_op", 0},
                                   {"change_argument", 0}, {"replace_constant", 0}, {"perturb_constant", 0},
                                   {"wrap_argument", 0}}}}}},
       "key 'mutation.weights': at least one mutation weight must be positive"},
      {{{"mutation", {{"max_statements", 1000}}}}, "key 'mutation.max_statements'"},
      {{{"mutation", {{"perturb_factor", 1}}}}, "key 'mutation.perturb_factor': expected a number in (1,"},
      {{{"mutation", {{"constant_palette", json::array()}}}}, "key 'mutation.constant_palette'"},
      {{{"suite", {{"tasks", {"quadratic", "imagenet"}}}}}, "key 'suite.tasks[1]': expected a task name"},
      {{{"suite", {{"rung", "huge"}}}}, "key 'suite.rung': expected one of \"tiny\""},
      {{{"suite", {{"tasks", {"quadratic"}}, {"weights", {1, 2}}}}}, "key 'suite.weights': expected one weight per task"},
      {{{"suite", {{"seeds", 0}}}}, "key 'suite.seeds'"},
      {{{"suite", "quadratic"}}, "key 'suite': expected an object, found the string"},
      {{{"budget", {{"wall_time", "0s"}}}}, "key 'budget.wall_time': expected a positive duration"},
      {{{"budget", {{"wall_time", "-5m"}}}}, "key 'budget.wall_time'"},
      {{{"budget", {{"wall_time", -5}}}}, "key 'budget.wall_time': expected a positive duration"},
      {{{"budget", {{"wall_time", "ten minutes"}}}}, "key 'budget.wall_time'"},
      {{{"budget", {{"evaluations", 0}}}}, "key 'budget.evaluations': expected a positive integer or null"},
      {{{"budget", {{"evaluations", -100}}}}, "key 'budget.evaluations'"},
      {{{"budget", {{"target_fitness", "high"}}}}, "key 'budget.target_fitness'"},
      {{{"budget", {{"hours", 2}}}}, "unknown key 'budget.hours'"},
      {{{"checkpoint_seconds", 0}}, "key 'checkpoint_seconds'"},
      {{{"preset", "fastest"}}, "key 'preset': unknown preset 'fastest'"},
  };
  for (const Case& c : cases) {
    json config = base;
    config.merge_patch(c.patch);
    const std::string message = error_for(config);
    EXPECT_NE(message.find(c.expected), std::string::npos) << "patch " << c.patch.dump() << " gave: " << message;
    EXPECT_EQ(message.rfind("test.json: ", 0), 0u) << message;  // the file comes first
  }
  EXPECT_EQ(error_for(base), "");
  EXPECT_NE(error_for(json{{"seed", 1}}).find("key 'suite.tasks': missing"), std::string::npos);
  EXPECT_NE(error_for(json::array()).find("expected a JSON object"), std::string::npos);
}

TEST(SearchConfig, NullBudgetsMeanNoLimit) {
  const SearchConfig config = search_config_from_json(
      json{{"preset", "quick"}, {"budget", {{"wall_time", nullptr}, {"evaluations", 500}, {"target_fitness", 0.3}}}}, "f");
  EXPECT_EQ(config.budget.wall_seconds, 0);
  EXPECT_EQ(config.budget.evaluations, 500);
  EXPECT_EQ(config.budget.target_fitness, 0.3);
}

TEST(SearchConfig, Durations) {
  EXPECT_EQ(parse_duration("90", "x"), 90);
  EXPECT_EQ(parse_duration("30s", "x"), 30);
  EXPECT_EQ(parse_duration("10m", "x"), 600);
  EXPECT_EQ(parse_duration("1h", "x"), 3600);
  EXPECT_EQ(parse_duration("1h30m", "x"), 5400);
  EXPECT_EQ(parse_duration("2.5m", "x"), 150);
  for (const char* bad : {"", "0", "0s", "-1m", "10x", "m", "1m-", "inf", "nan", "1d"}) {
    EXPECT_THROW(parse_duration(bad, "--budget"), InputError) << bad;
  }
  try {
    parse_duration("soon", "--budget");
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("--budget"), std::string::npos);
  }
  for (double seconds : {12.5, 61.0, 600.0, 3723.0}) {
    EXPECT_EQ(parse_duration(format_duration(seconds), "x"), seconds);
  }
}

TEST(SearchConfig, WarmStartsResolveInTheProgramsFolder) {
  const auto path = resolve_program_path("adamw_search_start.opt", {});
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_TRUE(path.is_absolute());
  try {
    resolve_program_path("no_such_program.opt", "/tmp");
    FAIL();
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("no_such_program.opt"), std::string::npos);
  }
}

}  // namespace
}  // namespace symopt
