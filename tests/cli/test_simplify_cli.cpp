// `symopt simplify`: the passes shown before/after, the verdict (equivalent, or by how much
// fitness moved), --json and --out (whose program reads back and validates), bad input.
#include "run_command.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace symopt {
namespace {

using testing::run_symopt;
const std::string test_programs = SYMOPT_SOURCE_DIR "/tests/programs/";

// Per process: suites of other build directories may run the same test at the same time.
std::filesystem::path scratch_directory() {
  const auto directory =
      std::filesystem::temp_directory_path() / ("symopt_simplify_cli_" + std::to_string(::getpid()));
  std::filesystem::create_directories(directory);
  return directory;
}

TEST(SimplifyCli, LionWrittenOddlyBecomesLionAndStaysEquivalent) {
  const auto out = scratch_directory() / "lion_simplified.opt";
  std::filesystem::remove(out);
  const auto result = run_symopt("simplify " + test_programs + "lion_written_oddly.opt --out " + out.string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const char* expected : {"== dead code:", "== algebra:", "before:", "after:", "state junk removed",
                               "sign(interp(g, m, 0.9))", "interp(g, m, 0.99)", "functionally equivalent",
                               "same behavioural fingerprint"}) {
    EXPECT_NE(result.output.find(expected), std::string::npos) << expected << "\n" << result.output;
  }
  // The written program reads back and is still Lion with lr_scale 3 and lambda 0.1.
  ASSERT_TRUE(std::filesystem::exists(out));
  const auto validated = run_symopt("validate " + out.string() + " --json --no-checks");
  ASSERT_EQ(validated.exit_code, 0) << validated.output;
  const auto json = nlohmann::json::parse(validated.output);
  EXPECT_EQ(json["k"], "l1") << json.dump(2);
  EXPECT_NEAR(json["lambda"].get<double>(), 0.1, 1e-9);
  EXPECT_NEAR(json["lr_scale"].get<double>(), 3.0, 1e-9);
  std::filesystem::remove_all(scratch_directory());
}

TEST(SimplifyCli, JsonReportsPassesAndEquivalence) {
  const auto result = run_symopt("simplify " + test_programs + "lion_written_oddly.opt --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::json::parse(result.output);
  EXPECT_EQ(json["equivalent"], true);
  EXPECT_LE(json["behaviour_difference"].get<double>(), 1e-9);
  EXPECT_GT(json["ops_before"].get<int>(), json["ops_after"].get<int>());
  ASSERT_GE(json["passes"].size(), 2u);
  EXPECT_EQ(json["same_fingerprint"], true);
  EXPECT_EQ(json["fingerprint_before"], json["fingerprint_after"]);
  EXPECT_EQ(json["passes"][0]["name"], "dead code");
  EXPECT_TRUE(json["passes"][0]["fitness_before"].is_null());  // no --tasks: no fitness
}

TEST(SimplifyCli, AblationAgainstFitnessSaysHowFarFitnessMoved) {
  // A negligible extra term: the ablation drops it within the tolerance, which changes the
  // behaviour slightly, so the verdict must give the fitness change instead of equivalence.
  const auto program = scratch_directory() / "lion_with_noise_term.opt";
  std::ofstream(program) << "def train(w, g, lr, m):\n"
                            "    direction = sign(interp(g, m, 0.9)) + 0.000001 * cos(g)\n"
                            "    m = interp(g, m, 0.99)\n"
                            "    return (direction + 0.01 * w) * lr, m\n";
  const auto result =
      run_symopt("simplify " + program.string() + " --tasks quadratic --steps 100 --threads 2 --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::json::parse(result.output);
  EXPECT_EQ(json["equivalent"], false) << json.dump(2);
  EXPECT_EQ(json["same_fingerprint"], false);
  ASSERT_TRUE(json["fitness_before"].is_number()) << json.dump(2);
  ASSERT_TRUE(json["fitness_after"].is_number());
  EXPECT_GE(json["fitness_after"].get<double>(), json["fitness_before"].get<double>() - 0.005);
  EXPECT_EQ(json["result"].get<std::string>().find("cos"), std::string::npos) << json["result"];
  bool ablation_pass = false;
  for (const auto& pass : json["passes"]) {
    if (pass["name"] != "ablation") continue;
    ablation_pass = true;
    EXPECT_TRUE(pass["fitness_before"].is_number());
    EXPECT_TRUE(pass["fitness_after"].is_number());
  }
  EXPECT_TRUE(ablation_pass);
  EXPECT_NE(json["verdict"].get<std::string>().find("fitness moved by"), std::string::npos) << json["verdict"];
  std::filesystem::remove_all(scratch_directory());
}

TEST(SimplifyCli, BadInputExitsTwo) {
  const std::string lion = SYMOPT_SOURCE_DIR "/programs/lion.opt";
  auto result = run_symopt("simplify " + lion + " --tasks no-such-task");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("no-such-task"), std::string::npos) << result.output;
  result = run_symopt("simplify " + lion + " --tasks quadratic --size huge");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  result = run_symopt("simplify " + lion + " --tolerance -1");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  const auto bad = scratch_directory() / "bad.opt";
  std::ofstream(bad) << "def train(g, lr):\n    return frobnicate(g) * lr\n";
  result = run_symopt("simplify " + bad.string());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find(bad.string() + ":2:"), std::string::npos) << result.output;
  std::filesystem::remove_all(scratch_directory());
}

}  // namespace
}  // namespace symopt
