// Oracle replay through the interpreter in either precision.
#include "evaluator/trace.h"

#include "dsl/interpreter.h"

#include <cmath>

namespace symopt {
namespace {

template <class T>
std::vector<std::vector<double>> replay_program(const AnalyzedProgram& program, const Oracle& oracle) {
  auto compiled = std::make_shared<const CompiledProgram>(compile_program(program));
  ProgramOptimizer<T> optimizer(compiled, oracle.rows, oracle.cols);
  return replay_oracle<T>(oracle, optimizer);
}

}  // namespace

TraceResult trace_program(const AnalyzedProgram& program, const Oracle& oracle, bool float64) {
  const auto trajectory = float64 ? replay_program<double>(program, oracle)
                                  : replay_program<float>(program, oracle);
  TraceResult result;
  for (std::size_t step = 0; step < trajectory.size(); ++step) {
    const double error = relative_error(trajectory[step], oracle.trajectory[step]);
    result.step_errors.push_back(error);
    if (!(error <= result.max_error)) {  // also catches +inf
      result.max_error = error;
      result.worst_step = static_cast<int>(step) + 1;
    }
  }
  return result;
}

}  // namespace symopt
