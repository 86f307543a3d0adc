// The project's reference programs (programs/*.opt) reproduce PyTorch's own optimizers:
// every oracle in ../shared/oracles replayed through the interpreter, float32 and float64.
#include "common/atomic_file.h"
#include "dsl/analyzer.h"
#include "dsl/parser.h"
#include "evaluator/oracle.h"
#include "evaluator/trace.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace symopt {
namespace {

// Oracle file stem prefix -> the program that must reproduce it.
std::string program_for_oracle(const std::string& stem) {
  for (const char* name : {"sgd_momentum", "adamw", "adam", "rmsprop", "lion", "sgd"}) {
    if (stem.rfind(std::string(name) + "_", 0) == 0) return name;
  }
  return {};
}

TEST(ReferencePrograms, ReproduceEveryOracle) {
  int replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SYMOPT_SHARED_DIR "/oracles")) {
    const std::string name = program_for_oracle(entry.path().stem().string());
    ASSERT_FALSE(name.empty()) << "no reference program for " << entry.path();
    SCOPED_TRACE(entry.path().filename().string() + " through " + name + ".opt");
    const Oracle oracle = load_oracle(entry.path());
    const AnalyzedProgram program =
        analyze(parse_program(read_whole_file(std::string(SYMOPT_SOURCE_DIR "/programs/") + name + ".opt")));
    const TraceResult f64 = trace_program(program, oracle, true);
    const TraceResult f32 = trace_program(program, oracle, false);
    EXPECT_EQ(f64.step_errors.size(), static_cast<std::size_t>(oracle.steps));
    EXPECT_LE(f64.max_error, 1e-10) << "worst step " << f64.worst_step;
    EXPECT_LE(f32.max_error, 1e-5) << "worst step " << f32.worst_step;
    ++replayed;
  }
  EXPECT_EQ(replayed, 12);
}

TEST(ReferencePrograms, AWrongProgramDoesNotMatch) {
  // Lion with beta2 = 0.9 instead of 0.99 must be caught by the comparison.
  const Oracle oracle = load_oracle(SYMOPT_SHARED_DIR "/oracles/lion_6x5.json");
  const AnalyzedProgram wrong = analyze(parse_program(
      "def train(w, g, lr, m):\n    u = sign(interp(g, m, 0.9))\n    m = interp(g, m, 0.9)\n"
      "    return (u + w) * lr, m\n"));
  EXPECT_GT(trace_program(wrong, oracle, true).max_error, 1e-4);
}

}  // namespace
}  // namespace symopt
