// Replaying an oracle's gradient sequence through a program and comparing the weights
// after every step with the oracle's trajectory (PyTorch's own optimizers, float64).
#pragma once

#include "dsl/analyzer.h"
#include "evaluator/oracle.h"

#include <vector>

namespace symopt {

struct TraceResult {
  std::vector<double> step_errors;  // relative error after each step
  double max_error = 0;             // the largest of them
  int worst_step = 0;               // 1-based
};

// Relative error per step as relative_error() in oracle.h. The lr is
// the oracle's hyper["lr"]; t counts from 1.
TraceResult trace_program(const AnalyzedProgram& program, const Oracle& oracle, bool float64);

}  // namespace symopt
