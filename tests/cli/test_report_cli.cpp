// `symopt report` end to end: a tiny search run (a few seconds), its report page with every
// section, loss curves that retrain exactly what the search scored, bad input, and the page
// loaded in headless Chromium (DOM complete, every section present, a screenshot).
#include "run_command.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace symopt {
namespace {

namespace fs = std::filesystem;
using testing::run_symopt;

const std::vector<std::string> section_ids = {"summary", "fitness", "search-health", "top-programs",
                                              "lineage", "loss-curves", "configuration"};
const std::vector<std::string> tasks = {"quadratic", "logreg-digits"};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

// One tiny run per test process (each TEST is its own ctest process), removed at the end.
class ReportCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    directory_ = new fs::path(fs::temp_directory_path() / ("symopt_report_cli_" + std::to_string(::getpid())));
    fs::remove_all(*directory_);
    fs::create_directories(*directory_);
    const nlohmann::json config = {
        {"preset", "quick"},
        {"population_size", 16},
        {"tournament_size", 4},
        {"batch_size", 8},
        {"hall_of_fame_size", 8},
        {"suite", {{"tasks", tasks}, {"steps", 40}, {"baseline_cache", (*directory_ / "baselines").string()}}},
        {"checkpoint_seconds", 0.5},
        {"progress_seconds", 0.1},
        {"budget", {{"wall_time", nullptr}, {"evaluations", 240}}}};
    std::ofstream(*directory_ / "tiny.json") << config.dump(2);
    search_ = new testing::CommandResult(run_symopt("search --config " + (*directory_ / "tiny.json").string() +
                                                    " --threads 2 --quiet --out " + run_directory().string()));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*directory_);
    delete directory_;
    delete search_;
  }
  static fs::path run_directory() { return *directory_ / "run"; }
  static nlohmann::json hall_of_fame() { return nlohmann::json::parse(read_file(run_directory() / "hall_of_fame.json")); }
  void SetUp() override { ASSERT_EQ(search_->exit_code, 0) << search_->output; }

  static fs::path* directory_;
  static testing::CommandResult* search_;
};
fs::path* ReportCli::directory_ = nullptr;
testing::CommandResult* ReportCli::search_ = nullptr;

TEST_F(ReportCli, PageHasEverySectionAndItsCurvesRetrainWhatTheSearchScored) {
  const fs::path page_file = *directory_ / "page" / "report.html";
  fs::create_directories(page_file.parent_path());
  const auto result = run_symopt("report " + run_directory().string() + " --out " + page_file.string() +
                                 " --json --threads 2 --curve-points 10 --top 3");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const nlohmann::json summary = nlohmann::json::parse(result.output);
  EXPECT_EQ(summary["sections"].get<std::vector<std::string>>(), section_ids);
  EXPECT_EQ(summary["out"], page_file.string());

  const std::string page = read_file(page_file);
  EXPECT_EQ(page.size(), summary["bytes"].get<std::size_t>());
  for (const std::string& id : section_ids) {
    EXPECT_EQ(count_of(page, "<section id=\"" + id + "\""), 1u) << id;
  }
  for (const char* figure : {"fitness-by-evaluations", "fitness-by-time", "shares-over-time", "throughput",
                                    "lineage-tree", "pareto-front"}) {
    EXPECT_NE(page.find(std::string("id=\"") + figure + "\""), std::string::npos) << figure;
  }
  for (const std::string& task : tasks) EXPECT_NE(page.find("id=\"curves-" + task + "\""), std::string::npos) << task;

  // Self-contained: no scripts, no external resources (the SVG namespace is a name, not a fetch).
  EXPECT_EQ(page.find("<script"), std::string::npos);
  std::string without_namespace = page;
  for (std::size_t at; (at = without_namespace.find("http://www.w3.org/2000/svg")) != std::string::npos;) {
    without_namespace.erase(at, 26);
  }
  EXPECT_EQ(without_namespace.find("http://"), std::string::npos);
  EXPECT_EQ(without_namespace.find("https://"), std::string::npos);
  EXPECT_EQ(count_of(page, "<svg"), count_of(page, "</svg>"));

  // The top programs with their lineage: three cards, the best first, each with its chain.
  const nlohmann::json hall = hall_of_fame();
  ASSERT_GE(hall["best"].size(), 3u);
  EXPECT_EQ(count_of(page, "class=\"program-card\""), 3u);
  const long best_id = hall["best"][0]["id"].get<long>();
  EXPECT_EQ(summary["best_id"].get<long>(), best_id);
  const std::size_t first_card = page.find("class=\"program-card\"");
  EXPECT_EQ(page.find("class=\"program-card\" id=\"program-" + std::to_string(best_id) + "\""), first_card);
  EXPECT_GE(count_of(page, "<ol class=\"lineage\">"), 3u);
  EXPECT_NE(page.find("warm start adamw_search_start.opt"), std::string::npos);

  // The curves: the program and AdamW retrained give the losses the search recorded.
  ASSERT_EQ(summary["curves"].size(), tasks.size());
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const nlohmann::json& curves = summary["curves"][t];
    EXPECT_EQ(curves["task"], tasks[t]);
    const nlohmann::json& scored = hall["best"][0]["tasks"][t];
    ASSERT_EQ(scored["task"], tasks[t]);
    ASSERT_EQ(curves["optimizers"].size(), 3u);
    EXPECT_EQ(curves["optimizers"][0]["name"], "best program");
    EXPECT_EQ(curves["optimizers"][1]["name"], "AdamW");
    EXPECT_EQ(curves["optimizers"][2]["name"], "Lion");
    if (!scored["diverged"].get<bool>()) {
      EXPECT_NEAR(curves["optimizers"][0]["loss"].get<double>(), scored["loss"].get<double>(),
                  1e-9 * std::abs(scored["loss"].get<double>()));
    }
    EXPECT_NEAR(curves["optimizers"][1]["loss"].get<double>(), scored["adamw_loss"].get<double>(),
                1e-9 * std::abs(scored["adamw_loss"].get<double>()));
    EXPECT_DOUBLE_EQ(curves["optimizers"][1]["learning_rate"].get<double>(), scored["adamw_learning_rate"].get<double>());
    for (const nlohmann::json& optimizer : curves["optimizers"]) {
      if (!optimizer["diverged"].get<bool>()) {
        EXPECT_EQ(optimizer["curve_points"].get<int>(), 11) << optimizer.dump();
      }
    }
    EXPECT_GT(curves["optimizers"][2]["learning_rate"].get<double>(), 0.0);
  }
}

TEST_F(ReportCli, WithoutCurvesTheDefaultPageSaysSoAndBadInputExitsTwo) {
  const auto result = run_symopt("report " + run_directory().string() + " --no-curves");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string page = read_file(run_directory() / "report.html");
  EXPECT_NE(page.find("<section id=\"loss-curves\""), std::string::npos);
  EXPECT_NE(page.find("--no-curves"), std::string::npos);
  EXPECT_EQ(page.find("id=\"curves-quadratic\""), std::string::npos);

  const auto missing = run_symopt("report " + (*directory_ / "no_such_run").string());
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("no_such_run"), std::string::npos) << missing.output;

  const fs::path broken = *directory_ / "broken";
  fs::create_directories(broken);
  fs::copy_file(run_directory() / "config.json", broken / "config.json");
  std::ofstream(broken / "hall_of_fame.json") << "{\"format\": \"symopt-hall-of-fame\", \"best\": 3}";
  const auto corrupt = run_symopt("report " + broken.string());
  EXPECT_EQ(corrupt.exit_code, 2) << corrupt.output;
  EXPECT_NE(corrupt.output.find("hall_of_fame.json"), std::string::npos) << corrupt.output;

  const auto bad_top = run_symopt("report " + run_directory().string() + " --top 0");
  EXPECT_EQ(bad_top.exit_code, 2) << bad_top.output;
}

// Runs a shell command with a time limit; stdout only (Chromium's stderr is noisy).
std::string run_capturing_stdout(const std::string& command, int* exit_code) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return output;
  std::array<char, 4096> buffer;
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

TEST_F(ReportCli, PageLoadsInHeadlessChromiumWithEverySection) {
  const fs::path chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) {
    GTEST_SKIP() << chromium << " is absent: install it with scripts/install-deps.sh --tests";
  }
  const fs::path page_file = *directory_ / "chromium" / "report.html";
  fs::create_directories(page_file.parent_path());
  const auto result = run_symopt("report " + run_directory().string() + " --out " + page_file.string() +
                                 " --threads 2 --curve-points 10");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string page = read_file(page_file);

  // A fresh profile per launch; no network services, no GPU, no sandbox (tests run as root).
  auto chromium_command = [&](const std::string& profile, const std::string& action) {
    return "timeout 120 " + chromium.string() + " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
           "--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars "
           "--user-data-dir=" + (*directory_ / profile).string() + " " + action + " file://" + page_file.string() +
           " 2>" + (*directory_ / (profile + ".stderr")).string();
  };
  int exit_code = -1;
  const std::string dom = run_capturing_stdout(chromium_command("profile_dom", "--dump-dom"), &exit_code);
  ASSERT_EQ(exit_code, 0) << "chromium --dump-dom failed; stderr:\n" << read_file(*directory_ / "profile_dom.stderr");
  // Loaded to the end: the footer is the last element of the page.
  EXPECT_NE(dom.find("id=\"report-end\""), std::string::npos) << dom.substr(0, 2000);
  for (const std::string& id : section_ids) {
    EXPECT_EQ(count_of(dom, "<section id=\"" + id + "\""), 1u) << id;
  }
  // Every inline chart made it into the DOM as an SVG element.
  EXPECT_EQ(count_of(dom, "<svg"), count_of(page, "<svg"));
  EXPECT_GE(count_of(dom, "<svg"), 7u);
  EXPECT_EQ(read_file(*directory_ / "profile_dom.stderr").find("Uncaught"), std::string::npos);

  const fs::path screenshot = *directory_ / "report.png";
  run_capturing_stdout(chromium_command("profile_shot", "--window-size=1400,3000 --screenshot=" + screenshot.string()),
                       &exit_code);
  ASSERT_EQ(exit_code, 0) << "chromium --screenshot failed; stderr:\n" << read_file(*directory_ / "profile_shot.stderr");
  ASSERT_TRUE(fs::exists(screenshot));
  EXPECT_GT(fs::file_size(screenshot), 20000u);  // a blank 1400x3000 PNG is a few KiB
  EXPECT_EQ(read_file(screenshot).substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

}  // namespace
}  // namespace symopt
