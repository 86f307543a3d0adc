// Inputs the fuzzer once crashed on (tests/dsl/fuzz_regressions/) and hand-made hostile
// inputs: each must be rejected or accepted cleanly, never crash, and round-trip.
#include "common/atomic_file.h"
#include "dsl/analyzer.h"
#include "dsl/parser.h"
#include "dsl/printer.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace symopt {
namespace {

void exercise(const std::string& text) {
  try {
    const Program program = parse_program(text);
    EXPECT_EQ(parse_program(print_program(program)), program);
    try {
      const AnalyzedProgram analyzed = analyze(program);
      EXPECT_EQ(analyze(parse_program(print_program(analyzed.canonical))).structural_hash,
                analyzed.structural_hash);
    } catch (const DslError&) {
    }
  } catch (const DslError& error) {
    EXPECT_FALSE(std::string(error.what()).empty());
  }
}

TEST(FuzzRegressions, SavedInputsNeverCrash) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SYMOPT_SOURCE_DIR "/tests/dsl/fuzz_regressions")) {
    SCOPED_TRACE(entry.path().string());
    exercise(read_whole_file(entry.path()));
    ++count;
  }
  EXPECT_GE(count, 1);
}

TEST(FuzzRegressions, HostileInputs) {
  for (const std::string text : {std::string("def"), std::string("def train(\n"), std::string("def t():\n    return\n"),
                                 std::string("def t(g):\n    u = ((((((g\n    return u\n"),
                                 std::string("def t(g):\n    u = g ** ** g\n    return u\n"),
                                 std::string(1, '\0'), std::string("def t(g):\n    u = 1e\n    return g\n"),
                                 std::string("def t(g):\n    u = .\n    return g\n"),
                                 std::string("def t(g):\n    u = -\n    return g\n"),
                                 "def t(g):\n    u = " + std::string(5000, '(') + "g\n    return u\n"}) {
    exercise(text);
  }
}

}  // namespace
}  // namespace symopt
