// Interpreter speed against hand-written native loops: time per update step of the
// interpreted AdamW and Lion programs and of the native AdamW and Lion, at 1e3, 1e5 and
// 1e6 elements, measured in one run. Goal: interpreted / native <= 2 at 1e3, <= 1.25 at 1e6.
#include "common/atomic_file.h"
#include "dsl/analyzer.h"
#include "dsl/interpreter.h"
#include "dsl/parser.h"
#include "evaluator/native_optimizers.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

namespace {

using namespace symopt;

// Median of several timed batches, in nanoseconds per step.
double nanoseconds_per_step(TensorOptimizer<float>& optimizer, long size) {
  std::vector<float> weights(size), gradient(size);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (long i = 0; i < size; ++i) {
    weights[i] = normal(rng);
    gradient[i] = normal(rng);
  }
  const long steps_per_batch = std::max(2L, 20'000'000L / size);
  long t = 1;
  for (long i = 0; i < steps_per_batch / 4 + 1; ++i) optimizer.step(weights, gradient, 1e-4f, t++);
  std::vector<double> batches;
  for (int batch = 0; batch < 7; ++batch) {
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < steps_per_batch; ++i) optimizer.step(weights, gradient, 1e-4f, t++);
    const auto end = std::chrono::steady_clock::now();
    batches.push_back(std::chrono::duration<double, std::nano>(end - start).count() / steps_per_batch);
  }
  std::sort(batches.begin(), batches.end());
  return batches[batches.size() / 2];
}

}  // namespace

int main() {
  const std::string source = SYMOPT_SOURCE_DIR;
  struct Pair {
    const char* name;
    const char* program_file;
    OptimizerFactory<float> native;
  };
  // The native optimizers are configured to compute exactly what the programs compute.
  AdamwHyper adamw;
  adamw.bias_correction = false;
  adamw.weight_decay = 0.01;
  LionHyper lion;
  lion.weight_decay = 1.0;
  const std::vector<Pair> pairs = {
      {"AdamW", "/programs/adamw_search_start.opt", adamw_optimizer<float>(adamw)},
      {"Lion", "/programs/lion.opt", lion_optimizer<float>(lion)},
  };
  fmt::print("interpreter vs native, float32, median of 7 batches, ns per update step\n");
  fmt::print("{:<7} {:>9} {:>14} {:>14} {:>8}  goal\n", "program", "elements", "interpreted", "native", "ratio");
  for (const Pair& pair : pairs) {
    auto compiled = std::make_shared<const CompiledProgram>(
        compile_program(analyze(parse_program(read_whole_file(source + pair.program_file)))));
    for (long size : {1000L, 100'000L, 1'000'000L}) {
      ProgramOptimizer<float> interpreted(compiled, 1, static_cast<int>(size));
      auto native = pair.native(1, static_cast<int>(size));
      const double interpreted_ns = nanoseconds_per_step(interpreted, size);
      const double native_ns = nanoseconds_per_step(*native, size);
      const double ratio = interpreted_ns / native_ns;
      const char* goal = size == 1000 ? "<= 2" : size == 1'000'000 ? "<= 1.25" : "";
      fmt::print("{:<7} {:>9} {:>14.0f} {:>14.0f} {:>8.2f}  {}\n", pair.name, size, interpreted_ns,
                 native_ns, ratio, goal);
    }
  }
  return 0;
}
