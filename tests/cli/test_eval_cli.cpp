// `symopt tasks` and `symopt eval` end to end on the tiny rung with few steps and seeds:
// table, JSON and plot contents, thread-count independence, and bad input (exit 2).
#include "run_command.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

namespace symopt {
namespace {

using testing::run_symopt;
namespace fs = std::filesystem;

// Lion and AdamW written as programs with exactly the native comparisons' hyperparameters
// (evaluator/baselines.h): Lion decay 0.1; AdamW bias-corrected with decay 0.01.
constexpr const char* lion_text = R"(def train(w, g, lr, m):
    update = sign(interp(g, m, 0.9))
    m = interp(g, m, 0.99)
    update = (update + w * 0.1) * lr
    return update, m
)";
constexpr const char* adamw_text = R"(def train(w, g, lr, t, m, v):
    m = interp(g, m, 0.9)
    v = interp(square(g), v, 0.999)
    m_hat = m / (1 - 0.9 ** t)
    v_hat = v / (1 - 0.999 ** t)
    update = lr * (m_hat / (sqrt(v_hat) + 1e-08) + 0.01 * w)
    return update, m, v
)";

class EvalCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Per process: ctest runs the tests of this suite as parallel processes.
    directory_ = fs::temp_directory_path() / ("symopt_eval_cli_" + std::to_string(::getpid()));
    fs::remove_all(directory_);
    fs::create_directories(directory_);
    std::ofstream(directory_ / "lion.opt") << lion_text;
    std::ofstream(directory_ / "adamw.opt") << adamw_text;
  }
  static void TearDownTestSuite() { fs::remove_all(directory_); }
  static std::string path(const std::string& name) { return (directory_ / name).string(); }
  static std::string read(const std::string& name) {
    std::ifstream in(directory_ / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // The swept comparison shared by several tests (run once: it is the slow part).
  static const testing::CommandResult& swept_run() {
    static const testing::CommandResult result = run_symopt(
        "eval " + path("lion.opt") + " " + path("adamw.opt") +
        " --tasks quadratic,mlp-digits --size tiny --seeds 2 --steps 60 --lr-sweep --out " + path("swept.json") +
        " --plot " + path("swept.svg"));
    return result;
  }
  static const nlohmann::json& result_of(const nlohmann::json& task, const std::string& optimizer) {
    for (const auto& result : task.at("results")) {
      if (result.at("optimizer") == optimizer) return result;
    }
    throw std::runtime_error("no result for " + optimizer);
  }
  static fs::path directory_;
};

fs::path EvalCli::directory_;

TEST_F(EvalCli, TasksListsEveryTaskAtEveryRungWithATenfoldLadder) {
  const auto result = run_symopt("tasks --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto tasks = nlohmann::json::parse(result.output);
  ASSERT_EQ(tasks.size(), 5u * 4u);
  std::set<std::string> names;
  for (const auto& entry : tasks) {
    names.insert(entry.at("task").get<std::string>());
    EXPECT_GT(entry.at("parameters").get<long>(), 0);
    EXPECT_GT(entry.at("steps").get<int>(), 0);
    EXPECT_GT(entry.at("learning_rate").get<double>(), 0);
    EXPECT_FALSE(entry.at("metric").get<std::string>().empty());
    if (entry.at("rung") == "tiny") {
      EXPECT_TRUE(entry.at("compute_ratio_to_rung_below").is_null());
    } else {
      const double ratio = entry.at("compute_ratio_to_rung_below").get<double>();
      EXPECT_GT(ratio, 7.0) << entry.dump();
      EXPECT_LT(ratio, 13.0) << entry.dump();
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"quadratic", "logreg-digits", "mlp-digits", "char-mlp-lm", "transformer-lm"}));

  const auto table = run_symopt("tasks --size small");
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("MLP 64-128-10"), std::string::npos) << table.output;
  EXPECT_EQ(table.output.find("MLP 64-32-10"), std::string::npos) << table.output;  // tiny is filtered out
  EXPECT_NE(table.output.find("accuracy"), std::string::npos);
}

TEST_F(EvalCli, SweptTableAndJsonCompareProgramsWithNativeOptimizers) {
  const auto& run = swept_run();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const char* text : {"quadratic [tiny]", "mlp-digits [tiny]", "AdamW", "Lion", "lion.opt", "adamw.opt",
                           "accuracy", "best of 12 rates"}) {
    EXPECT_NE(run.output.find(text), std::string::npos) << text << "\n" << run.output;
  }
  const auto json = nlohmann::json::parse(read("swept.json"));
  EXPECT_EQ(json.at("rung"), "tiny");
  EXPECT_EQ(json.at("seeds"), nlohmann::json::array({0, 1}));
  ASSERT_EQ(json.at("tasks").size(), 2u);
  for (const auto& task : json.at("tasks")) {
    SCOPED_TRACE(task.at("task").get<std::string>());
    EXPECT_EQ(task.at("steps"), 60);
    ASSERT_EQ(task.at("results").size(), 4u);
    const auto& adamw = result_of(task, "AdamW");
    EXPECT_EQ(adamw.at("score").get<double>(), 0.0);  // AdamW against itself
    for (const auto& result : task.at("results")) {
      SCOPED_TRACE(result.at("optimizer").get<std::string>());
      ASSERT_FALSE(result.at("diverged").get<bool>());
      // The table's numbers: the mean of the per-seed losses, the best rate of a log grid.
      const auto seeds = result.at("seed_losses").get<std::vector<double>>();
      ASSERT_EQ(seeds.size(), 2u);
      EXPECT_NEAR(result.at("loss").get<double>(), (seeds[0] + seeds[1]) / 2, 1e-12);
      const auto& sweep = result.at("sweep");
      ASSERT_GE(sweep.size(), 7u);
      double best = INFINITY;
      for (std::size_t i = 0; i < sweep.size(); ++i) {
        if (!sweep[i].at("loss").is_null()) best = std::min(best, sweep[i].at("loss").get<double>());
        if (i > 0) {
          EXPECT_NEAR(sweep[i].at("learning_rate").get<double>() / sweep[i - 1].at("learning_rate").get<double>(),
                      std::cbrt(10.0), 1e-9);
        }
      }
      EXPECT_EQ(result.at("loss").get<double>(), best);
      EXPECT_EQ(result.at("accuracy").is_null(), task.at("task") == "quadratic");
      EXPECT_GE(result.at("curve").size(), 10u);
    }
    // The Lion program computes native Lion's update (up to float rounding in a different
    // order of operations), so it picks the same rate and reaches the same loss.
    const auto& program = result_of(task, path("lion.opt"));
    const auto& lion = result_of(task, "Lion");
    EXPECT_EQ(program.at("learning_rate"), lion.at("learning_rate"));
    EXPECT_NEAR(program.at("loss").get<double>(), lion.at("loss").get<double>(), 1e-4 * lion.at("loss").get<double>());
    EXPECT_NEAR(program.at("score").get<double>(), lion.at("score").get<double>(), 1e-3);
  }
}

TEST_F(EvalCli, ResultsDoNotDependOnTheThreadCount) {
  ASSERT_EQ(swept_run().exit_code, 0) << swept_run().output;
  const auto one_thread = run_symopt("eval " + path("lion.opt") + " " + path("adamw.opt") +
                                     " --tasks quadratic,mlp-digits --size tiny --seeds 2 --steps 60 --lr-sweep"
                                     " --threads 1 --json");
  ASSERT_EQ(one_thread.exit_code, 0) << one_thread.output;
  EXPECT_EQ(nlohmann::json::parse(one_thread.output), nlohmann::json::parse(read("swept.json")));
}

TEST_F(EvalCli, PlotHasAPanelPerTaskAndAPathPerOptimizer) {
  ASSERT_EQ(swept_run().exit_code, 0) << swept_run().output;
  const std::string svg = read("swept.svg");
  ASSERT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u) << svg.substr(0, 200);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = svg.find(needle); at != std::string::npos; at = svg.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<g class=\"panel\""), 2u);
  EXPECT_EQ(count("<g "), count("</g>"));
  EXPECT_EQ(count("<path class=\"series\""), 2u * 4u);  // the chart draws no path for a curve without points
  for (const std::string& name : {path("lion.opt"), path("adamw.opt"), std::string("AdamW"), std::string("Lion")}) {
    EXPECT_EQ(count("<path class=\"series\" data-name=\"" + name + "\""), 2u) << name;
  }
}

TEST_F(EvalCli, AtTheFixedRateTheAdamwProgramMatchesNativeAdamw) {
  // Options before the program: --tasks takes one comma-separated word only.
  const auto run = run_symopt("eval --tasks mlp-digits,quadratic " + path("adamw.opt") + " --seeds 2 --steps 60 --json");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto json = nlohmann::json::parse(run.output);
  EXPECT_FALSE(json.at("lr_sweep").get<bool>());
  ASSERT_EQ(json.at("tasks").size(), 2u);
  EXPECT_EQ(json.at("tasks")[0].at("task"), "mlp-digits");  // in the order asked
  for (const auto& task : json.at("tasks")) {
    SCOPED_TRACE(task.at("task").get<std::string>());
    const double rate = task.at("task_learning_rate").get<double>();
    const auto& program = result_of(task, path("adamw.opt"));
    const auto& adamw = result_of(task, "AdamW");
    EXPECT_EQ(program.at("learning_rate").get<double>(), rate);
    EXPECT_EQ(adamw.at("learning_rate").get<double>(), rate);
    EXPECT_NEAR(result_of(task, "Lion").at("learning_rate").get<double>(), 0.1 * rate, 1e-15);
    EXPECT_TRUE(program.at("sweep").empty());
    EXPECT_NEAR(program.at("loss").get<double>(), adamw.at("loss").get<double>(), 1e-3 * adamw.at("loss").get<double>());
    EXPECT_NEAR(program.at("score").get<double>(), 0.0, 1e-2);
  }
}

// The proxies library comes in one copy per x86-64 level (proxies/CMakeLists.txt) and the loader
// picks one; GLIBC_TUNABLES hides CPU features to force the lower ones. Every copy must train to
// the same losses up to float rounding (FMAs and vector widths change the last bits), which
// also catches Eigen objects crossing between copies that disagree on their layout.
TEST_F(EvalCli, EveryProxiesCopyTrainsToTheSameLosses) {
  struct Copy {
    std::string level;
    nlohmann::json tasks;
  };
  std::vector<Copy> copies;
  for (const std::string tunables : {"", "glibc.cpu.hwcaps=-AVX512F", "glibc.cpu.hwcaps=-AVX2"}) {
    const std::string environment = "GLIBC_TUNABLES='" + tunables + "' ";
    const auto version = testing::run_shell(environment + SYMOPT_BINARY + " --version");
    ASSERT_EQ(version.exit_code, 0) << version.output;
    const auto level_at = version.output.find("proxies ");
    ASSERT_NE(level_at, std::string::npos) << version.output;
    const std::string level = version.output.substr(level_at + 8, version.output.find(' ', level_at + 8) - level_at - 8);
    const auto run = testing::run_shell(environment + SYMOPT_BINARY + " eval " + path("adamw.opt") +
                                        " --size tiny --seeds 1 --steps 60 --json");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    copies.push_back({level, nlohmann::json::parse(run.output).at("tasks")});
  }
  EXPECT_EQ(copies.back().level, "baseline");  // without AVX2 nothing but the baseline can load
  if (copies.front().level == "x86-64-v4") {
    EXPECT_EQ(copies[1].level, "x86-64-v3");
  }
  const Copy& baseline = copies.back();
  for (const Copy& copy : copies) {
    SCOPED_TRACE(copy.level);
    ASSERT_EQ(copy.tasks.size(), 5u);
    for (std::size_t task = 0; task < copy.tasks.size(); ++task) {
      SCOPED_TRACE(copy.tasks[task].at("task").get<std::string>());
      for (const std::string& optimizer : {path("adamw.opt"), std::string("AdamW"), std::string("Lion")}) {
        const double loss = result_of(copy.tasks[task], optimizer).at("loss").get<double>();
        const double expected = result_of(baseline.tasks[task], optimizer).at("loss").get<double>();
        // Rounding differences grow over 60 steps to ~5e-4 on the transformer here; wrong math
        // (a copy reading another's Eigen objects wrongly) is off by far more.
        EXPECT_NEAR(loss, expected, 1e-2 * std::abs(expected)) << optimizer;
      }
    }
  }
}

TEST_F(EvalCli, BadInputExitsTwoAndSaysWhatIsWrong) {
  const std::string program = path("lion.opt");
  const std::pair<std::string, std::string> cases[] = {
      {"eval " + program + " --tasks quadratic,no-such-task", "unknown task 'no-such-task'"},
      {"eval " + program + " --tasks quadratic,quadratic", "listed twice"},
      {"eval " + program + " --size huge", "unknown rung 'huge'"},
      {"eval " + program + " --seeds 0", "--seeds"},
      {"eval " + program + " --seeds -3", "--seeds"},
      {"eval " + program + " --steps -1", "--steps"},
      {"eval " + program + " --schedule linear", "--schedule"},
      {"eval " + path("missing.opt"), "missing.opt"},
      {"eval", "programs"},
      {"tasks --size huge", "unknown rung 'huge'"},
  };
  for (const auto& [arguments, message] : cases) {
    const auto result = run_symopt(arguments);
    EXPECT_EQ(result.exit_code, 2) << arguments << "\n" << result.output;
    EXPECT_NE(result.output.find(message), std::string::npos) << arguments << "\n" << result.output;
  }
  std::ofstream(directory_ / "broken.opt") << "def train(w, g, lr):\n    u = g *\n    return u\n";
  const auto broken = run_symopt("eval " + path("broken.opt") + " --tasks quadratic");
  EXPECT_EQ(broken.exit_code, 2) << broken.output;
  EXPECT_NE(broken.output.find(path("broken.opt") + ":2:"), std::string::npos) << broken.output;
}

}  // namespace
}  // namespace symopt
