// Test support for the evaluator: programs from text, as analyzed programs or factories.
#pragma once

#include "dsl/analyzer.h"
#include "dsl/interpreter.h"
#include "dsl/parser.h"
#include "evaluator/tensor_optimizer.h"

#include <memory>
#include <string>

namespace symopt::testing {

inline AnalyzedProgram analyzed(const std::string& text) { return analyze(parse_program(text)); }

inline OptimizerFactory<float> factory_of(const std::string& text) {
  return program_optimizer_factory<float>(std::make_shared<const CompiledProgram>(compile_program(analyzed(text))));
}

inline const std::string sgd_text = "def train(g, lr):\n    return lr * g\n";
inline const std::string momentum_text =
    "def train(g, lr, m):\n    m = m * 0.9 + g\n    return lr * m, m\n";

}  // namespace symopt::testing
