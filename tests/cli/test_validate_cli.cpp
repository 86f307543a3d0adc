// `symopt validate`: the JSON contract ({member, k, beta1, beta2, lambda, lr_scale,
// fit_error}), members and non-members from program files, the human report, bad input.
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
const std::string programs = SYMOPT_SOURCE_DIR "/programs/";
const std::string test_programs = SYMOPT_SOURCE_DIR "/tests/programs/";

nlohmann::json validate_json(const std::string& path, const std::string& extra = "") {
  const auto result = run_symopt("validate " + path + " --json" + extra);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return nlohmann::json::parse(result.output);
}

TEST(ValidateCli, LionIsTheL1MemberWithItsHyperparameters) {
  const nlohmann::json out = validate_json(programs + "lion.opt");
  for (const char* key : {"member", "k", "beta1", "beta2", "lambda", "lr_scale", "fit_error"}) {
    EXPECT_TRUE(out.contains(key)) << key;
  }
  EXPECT_EQ(out["member"], true);
  EXPECT_EQ(out["k"], "l1");
  EXPECT_NEAR(out["beta1"].get<double>(), 0.9, 1e-6);
  EXPECT_NEAR(out["beta2"].get<double>(), 0.99, 1e-6);
  EXPECT_NEAR(out["lambda"].get<double>(), 1.0, 1e-6);
  EXPECT_NEAR(out["lr_scale"].get<double>(), 1.0, 1e-6);
  EXPECT_LT(out["fit_error"].get<double>(), 1e-5);
  ASSERT_EQ(out["checks"].size(), 2u) << out.dump(2);
  for (const auto& check : out["checks"]) EXPECT_EQ(check["held"], true) << check.dump(2);
}

TEST(ValidateCli, ClassifiesTheProjectsPrograms) {
  struct Expected {
    std::string file;
    const char* k;
    double lambda;
  };
  for (const Expected& e : std::vector<Expected>{{programs + "signum.opt", "l1", 0.0},
                                                 {test_programs + "lion_written_oddly.opt", "l1", 0.1},
                                                 {programs + "normalized_momentum.opt", "l2", 0.5},
                                                 {programs + "sgd_momentum.opt", "sq_l2", 0.0}}) {
    SCOPED_TRACE(e.file);
    const nlohmann::json out = validate_json(e.file, " --no-checks");
    EXPECT_EQ(out["member"], true) << out.dump(2);
    EXPECT_EQ(out["k"], e.k);
    EXPECT_NEAR(out["lambda"].get<double>(), e.lambda, 1e-6);
  }
}

TEST(ValidateCli, AdamWIsNotAMemberAndThatIsAnAnswer) {
  const nlohmann::json out = validate_json(programs + "adamw.opt");
  EXPECT_EQ(out["member"], false);
  EXPECT_TRUE(out["k"].is_null());
  EXPECT_GT(out["fit_error"].get<double>(), 1e-3);
  EXPECT_TRUE(out["checks"].empty());
}

TEST(ValidateCli, HumanReportNamesMemberValuesAndChecks) {
  const auto result = run_symopt("validate " + programs + "orthogonalized_momentum.opt");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("a Lion-K member"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("K = nuclear"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("lambda = 0.2"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("[held] enters and stays in the spectral-norm ball"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("[held] ends at the minimizer"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("FAILED"), std::string::npos) << result.output;

  const auto adamw = run_symopt("validate " + programs + "adamw.opt --no-checks");
  ASSERT_EQ(adamw.exit_code, 0) << adamw.output;
  EXPECT_NE(adamw.output.find("not a Lion-K member"), std::string::npos) << adamw.output;
}

TEST(ValidateCli, BadInputExitsTwo) {
  const auto directory =
      std::filesystem::temp_directory_path() / ("symopt_validate_cli_" + std::to_string(::getpid()));
  std::filesystem::create_directories(directory);
  const auto bad = directory / "bad.opt";
  std::ofstream(bad) << "def train(g, lr):\n    return sign(g) * lr +\n";
  auto result = run_symopt("validate " + bad.string());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find(bad.string() + ":2:"), std::string::npos) << result.output;
  result = run_symopt("validate " + programs + "no_such_program.opt --json");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  result = run_symopt("validate " + programs + "lion.opt --threshold -1");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace symopt
