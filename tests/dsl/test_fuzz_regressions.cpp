// Replays what the fuzzer checks (fuzz/parse_analyze_print.h) on every kept fuzzer input
// (fuzz/regressions/), the fuzzer's seed corpus (programs/*.opt) and hand-made hostile
// inputs: each must be accepted or rejected with a DslError, never crash or throw anything else.
#include "common/atomic_file.h"
#include "fuzz/parse_analyze_print.h"

#include <gtest/gtest.h>

#include <exception>
#include <filesystem>
#include <string>
#include <vector>

namespace symopt {
namespace {

// "accepted", "rejected: <message>", or a test failure naming the escaped exception.
std::string replay(const std::string& text) {
  try {
    fuzz::parse_analyze_print(text);
    return "accepted";
  } catch (const DslError& error) {
    EXPECT_FALSE(error.reason.empty());
    return std::string("rejected: ") + error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "escaped: " << error.what();
  } catch (...) {
    ADD_FAILURE() << "escaped: an exception that is not a std::exception";
  }
  return "failed";
}

std::vector<std::filesystem::path> files_in(const std::filesystem::path& folder, const std::string& extension) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.is_regular_file() && (extension.empty() || entry.path().extension() == extension)) {
      files.push_back(entry.path());
    }
  }
  return files;
}

TEST(FuzzRegressions, KeptInputsAreAcceptedOrRejectedCleanly) {
  int replayed = 0;
  for (const auto& path : files_in(SYMOPT_SOURCE_DIR "/fuzz/regressions", "")) {
    if (path.filename() == "README.md") continue;
    SCOPED_TRACE(path.string());
    replay(read_whole_file(path));
    ++replayed;
  }
  EXPECT_GE(replayed, 1) << "fuzz/regressions/ lost its inputs";
}

TEST(FuzzRegressions, SeedCorpusIsAccepted) {
  const auto seeds = files_in(SYMOPT_SOURCE_DIR "/programs", ".opt");
  ASSERT_GE(seeds.size(), 5u);
  for (const auto& path : seeds) {
    SCOPED_TRACE(path.string());
    EXPECT_EQ(replay(read_whole_file(path)), "accepted");
  }
}

TEST(FuzzRegressions, HostileInputsAreRejectedCleanly) {
  for (const std::string& text : {std::string("def"), std::string("def train(\n"), std::string("def t():\n    return\n"),
                                 std::string("def t(g):\n    u = ((((((g\n    return u\n"),
                                 std::string("def t(g):\n    u = g ** ** g\n    return u\n"),
                                 std::string(1, '\0'), std::string("def t(g):\n    u = 1e\n    return g\n"),
                                 std::string("def t(g):\n    u = .\n    return g\n"),
                                 std::string("def t(g):\n    u = -\n    return g\n"),
                                 "def t(g):\n    u = " + std::string(5000, '(') + "g\n    return u\n"}) {
    SCOPED_TRACE(text.substr(0, 60));
    EXPECT_EQ(replay(text).rfind("rejected: ", 0), 0u);
  }
}

}  // namespace
}  // namespace symopt
