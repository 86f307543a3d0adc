// `symopt simplify`: the passes that turn a raw discovered program into a readable one, each
// reported before and after: dead code, algebraic rewriting, ablation (when a fitness
// function over tasks is given), and algebra again on the ablated program.
#pragma once

#include "dsl/analyzer.h"
#include "dsl/program.h"
#include "search/simplify_ablation.h"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace symopt {

struct SimplifyOptions {
  AblationOptions ablation;  // used only when a fitness function is given
};

struct SimplifyPass {
  std::string name;                     // "dead code", "algebra", "ablation", ...
  std::string before, after;            // folded program text
  int ops_before = 0, ops_after = 0;
  std::optional<double> fitness_before, fitness_after;
  // After against before on the probe gradients (0: same behaviour).
  double behaviour_difference = 0;
  std::vector<std::string> changes;     // one line per rewrite or ablation
};

struct SimplifyReport {
  std::vector<SimplifyPass> passes;
  AnalyzedProgram result;
  Program result_program;               // canonical three-address form, source state names
  std::string result_text;              // folded readable form
  std::optional<double> fitness_before, fitness_after;
  double behaviour_difference = 0;      // result against the input on the probes
  bool equivalent = true;               // behaviour kept (no ablation was accepted)
};

// Throws DslError when the input does not analyze.
SimplifyReport simplify_program(const Program& program, const SimplifyOptions& options,
                                const FitnessFunction* fitness = nullptr);

nlohmann::json to_json(const SimplifyReport& report);
std::string format_report(const SimplifyReport& report);  // for the terminal

}  // namespace symopt
