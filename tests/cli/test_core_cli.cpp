// The binary's core commands end to end: ops, trace, and the exit-code convention
// (0 ok, 1 failure, 2 bad input) with file:line:column messages.
#include "run_command.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace symopt {
namespace {

using testing::run_symopt;
const std::string programs = SYMOPT_SOURCE_DIR "/programs/";
const std::string oracles = SYMOPT_SHARED_DIR "/oracles/";

TEST(CoreCli, OpsListsTheOpTableAsJson) {
  const auto result = run_symopt("ops --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto ops = nlohmann::json::parse(result.output);
  EXPECT_GE(ops.size(), 48u);
  EXPECT_EQ(ops[0].count("doc"), 1u);
}

TEST(CoreCli, TraceMatchesAndMismatches) {
  auto ok = run_symopt("trace " + programs + "lion.opt --oracle " + oracles + "lion_6x5.json");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("MATCH"), std::string::npos);
  ok = run_symopt("trace " + programs + "adamw.opt --oracle " + oracles + "adamw_7.json --f64 --json");
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_LE(nlohmann::json::parse(ok.output)["max_relative_error"].get<double>(), 1e-10);
  const auto wrong = run_symopt("trace " + programs + "adam.opt --oracle " + oracles + "adamw_7.json");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_NE(wrong.output.find("MISMATCH"), std::string::npos);
}

TEST(CoreCli, BadInputExitsTwoWithFileLineAndColumn) {
  const auto directory = std::filesystem::temp_directory_path() / "symopt_core_cli";
  std::filesystem::create_directories(directory);
  const auto bad = directory / "bad.opt";
  std::ofstream(bad) << "def train(g):\n    u = frobnicate(g)\n    return u\n";
  auto result = run_symopt("trace " + bad.string() + " --oracle " + oracles + "sgd_7.json");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find(bad.string() + ":2:9: unknown op 'frobnicate'"), std::string::npos) << result.output;

  result = run_symopt("trace " + programs + "does_not_exist.opt --oracle " + oracles + "sgd_7.json");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("does_not_exist.opt"), std::string::npos) << result.output;

  result = run_symopt("trace " + programs + "sgd.opt --oracle " + bad.string());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("bad.opt"), std::string::npos) << result.output;

  result = run_symopt("no-such-command");
  EXPECT_EQ(result.exit_code, 2);
}

}  // namespace
}  // namespace symopt
