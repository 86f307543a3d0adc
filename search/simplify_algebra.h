// Algebraic simplification: local rewrites (constant folding, identities, sign and scale
// rules, interp merging, collected constants) applied to a fixed point. Every rewrite must
// lower the program's cost and keep its behaviour on probe gradients, or it is refused.
#pragma once

#include "dsl/analyzer.h"

#include <string>
#include <vector>

namespace symopt {

struct AppliedRewrite {
  std::string rule;    // e.g. "scale-invariant op"
  std::string before;  // the rewritten expression, e.g. "sign(mul(0.5, m))"
  std::string after;   // e.g. "sign(m)"
};

struct AlgebraResult {
  AnalyzedProgram program;
  std::vector<AppliedRewrite> applied;
  // Rewrites that type-checked and paid but changed behaviour on the probes: each is a bug
  // in a rule (or a rule valid only for finite values meeting a non-finite probe).
  std::vector<AppliedRewrite> refused;
  double behaviour_difference = 0;  // final program against the input, on the probes
};

AlgebraResult simplify_algebra(const AnalyzedProgram& program);

}  // namespace symopt
